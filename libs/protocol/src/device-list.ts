import { parseAddress } from './address';

/** First line of every signed device list: a signature over it can never pass for any other Parley signature. */
export const DEVICE_LIST_CONTEXT = 'parley-device-list-v1';

/** One device of an account, as its account identity key vouches for it. */
export interface DeviceListEntry {
  deviceId: number;
  registrationId: number;
  /** Base64 of the device's 33-byte libsignal EC identity public key. */
  identityKey: string;
}

/**
 * The account's statement of which devices are its own. `address` is the
 * full `username@domain` as the account's home server names it; `version`
 * is 1 for the account's first list and grows by one with each change;
 * `timestamp` is when it was signed, in ms since the epoch.
 */
export interface UnsignedDeviceList {
  address: string;
  /** Base64 of the account identity public key (33 bytes) that signs the list. */
  accountIdentityKey: string;
  version: number;
  timestamp: number;
  devices: DeviceListEntry[];
}

/** A device list with the account identity key's XEdDSA signature (base64, 64 bytes) over `encodeDeviceList`. */
export interface SignedDeviceList extends UnsignedDeviceList {
  signature: string;
}

/** Standard base64 of exactly 33 bytes: 44 characters, never padded, so there is one spelling per key. */
const EC_KEY_BASE64 = /^[A-Za-z0-9+/]{44}$/;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`invalid device list: ${what}`);
}

const utf8 = new TextEncoder();
const isCount = (n: unknown, min: number) => Number.isSafeInteger(n) && (n as number) >= min;

/**
 * The exact bytes the account identity key signs: UTF-8 lines joined by
 * "\n" (no trailing newline): DEVICE_LIST_CONTEXT, address, accountIdentityKey,
 * version, timestamp, then `${deviceId} ${registrationId} ${identityKey}` per
 * device in ascending deviceId order. Numbers are decimal integers; fields
 * not named here are ignored, and the input's device order does not matter.
 *
 * Throws on input that has no single canonical spelling, so two different
 * lists can never share one signature: an address that is not a normalised
 * `username@domain`, a key that is not base64 of 33 bytes, a number that is
 * not a non-negative safe integer (version and deviceId at least 1), or a
 * deviceId listed twice.
 */
export function encodeDeviceList(list: UnsignedDeviceList): Uint8Array<ArrayBuffer> {
  const parsed = parseAddress(String(list.address));
  check(parsed !== null && parsed.domain !== null && `${parsed.username}@${parsed.domain}` === list.address, 'address');
  check(EC_KEY_BASE64.test(String(list.accountIdentityKey)), 'accountIdentityKey');
  check(isCount(list.version, 1) && isCount(list.timestamp, 0), 'version or timestamp');
  check(Array.isArray(list.devices), 'devices');
  const devices = [...list.devices].sort((a, b) => a.deviceId - b.deviceId);
  const lines = devices.map(({ deviceId, registrationId, identityKey }, i) => {
    check(isCount(deviceId, 1) && isCount(registrationId, 0), `device ${deviceId} ids`);
    check(EC_KEY_BASE64.test(String(identityKey)), `device ${deviceId} identityKey`);
    check(i === 0 || devices[i - 1].deviceId !== deviceId, `device ${deviceId} listed twice`);
    return `${deviceId} ${registrationId} ${identityKey}`;
  });
  const header = [DEVICE_LIST_CONTEXT, list.address, list.accountIdentityKey, list.version, list.timestamp];
  return utf8.encode([...header, ...lines].join('\n'));
}
