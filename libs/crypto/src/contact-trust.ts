import type { DeviceListEntry, SignedDeviceList } from '@parley/protocol';
import { verifyDeviceListSignature } from './account-identity';
import type { ContactStore } from './contact-store';
import type { BundleToCheck, TrustCheck, TrustFailure, TrustFailureReason } from './trust-check';

const entryKey = (d: DeviceListEntry) => `${d.deviceId} ${d.registrationId} ${d.identityKey}`;
/** Entries of `a` that are not, identically, in `b`. */
function minus(a: DeviceListEntry[], b: DeviceListEntry[]): DeviceListEntry[] {
  const keys = new Set(b.map(entryKey));
  return a.filter((d) => !keys.has(entryKey(d)));
}
const entries = (list: SignedDeviceList): DeviceListEntry[] =>
  list.devices
    .map(({ deviceId, registrationId, identityKey }) => ({ deviceId, registrationId, identityKey }))
    .sort((a, b) => a.deviceId - b.deviceId);
const fail = (reason: TrustFailureReason, message: string): TrustFailure => ({ ok: false, reason, message });

/** The first bundle device that `listed` does not vouch for with the same keys, as a failure. */
function unvouchedDevice(address: string, listed: DeviceListEntry[], bundle: DeviceListEntry[]): TrustFailure | null {
  for (const { deviceId, registrationId, identityKey } of bundle) {
    const entry = listed.find((d) => d.deviceId === deviceId);
    const what = `device ${deviceId} of ${address}`;
    if (!entry) return fail('device_not_listed', `${what} is not in its signed device list; not sending`);
    if (entry.identityKey !== identityKey || entry.registrationId !== registrationId) {
      return fail('device_key_mismatch', `${what} does not have the keys its signed device list names; not sending`);
    }
  }
  return null;
}

/**
 * What a sender checks before encrypting to a contact, so that a server can
 * neither add a device of its own nor swap a device's key: the contact's
 * account identity is pinned on first use, and every bundle device must be
 * in a list that identity signed, no older than the newest one seen.
 * A listed device missing from the bundle is no threat (it just won't get
 * the message) and passes. Addresses are the full `username@domain`,
 * normalised by the caller, who also runs one check per contact at a time.
 */
export class ContactTrust {
  constructor(private readonly store: ContactStore) {}

  /**
   * Checks a fetched bundle; stores a newer list on success, and nothing
   * but a changed identity on failure. `inLog`, when given, must accept
   * the validly signed list before anything is stored or returned ok (the
   * key log check, KeyLogTrust.checkList): it throws to refuse, so a list
   * that is not in the log is neither pinned nor offered as a changed
   * identity.
   */
  async checkBundle(address: string, bundle: BundleToCheck, inLog?: (list: SignedDeviceList) => Promise<void>): Promise<TrustCheck> {
    const list = bundle.deviceList;
    if (!list) return fail('missing_list', `the server sent no signed device list for ${address}; not sending`);
    if (!verifyDeviceListSignature(list)) return fail('bad_signature', `${address}'s device list is not validly signed; not sending`);
    if (list.address !== address) return fail('wrong_address', `the device list served for ${address} is ${list.address}'s; not sending`);
    const record = await this.store.get(address);
    if (record && list.accountIdentityKey !== record.accountIdentityKey) {
      await inLog?.(list);
      if (record.pendingIdentityKey !== list.accountIdentityKey)
        await this.store.put({ ...record, pendingIdentityKey: list.accountIdentityKey });
      return fail(
        'identity_changed',
        `${address}'s account identity changed; run \`parley trust ${address}\` after checking the safety number`,
      );
    }
    const devices = entries(list);
    const known = record?.devices ?? [];
    if (record && list.version < record.listVersion) {
      return fail(
        'version_rollback',
        `the server sent ${address}'s device list version ${list.version}, older than version ${record.listVersion} already seen; not sending`,
      );
    }
    if (record && list.version === record.listVersion && (minus(devices, known).length > 0 || minus(known, devices).length > 0)) {
      return fail('equivocation', `${address}'s account signed two different device lists as version ${list.version}; not sending`);
    }
    const unvouched = unvouchedDevice(address, devices, bundle.devices);
    if (unvouched) return unvouched;
    await inLog?.(list);
    if (!record || list.version > record.listVersion) {
      await this.store.put({
        ...record,
        address,
        accountIdentityKey: list.accountIdentityKey,
        listVersion: list.version,
        devices,
        verified: record?.verified ?? false,
      });
    }
    return { ok: true, firstUse: !record, added: minus(devices, known), removed: minus(known, devices) };
  }

  /** Pins the pending identity after the user checked it; its next list is accepted whatever its version. */
  async acceptIdentity(address: string): Promise<void> {
    const record = await this.store.get(address);
    if (!record?.pendingIdentityKey) throw new Error(`no changed account identity is waiting for ${address}`);
    const { pendingIdentityKey, ...rest } = record;
    await this.store.put({ ...rest, accountIdentityKey: pendingIdentityKey, listVersion: 0, verified: false });
  }

  /** Records that the user compared the safety number of the pinned identity. */
  async markVerified(address: string): Promise<void> {
    const record = await this.store.get(address);
    if (!record) throw new Error(`${address} has no pinned account identity yet`);
    if (record.pendingIdentityKey) throw new Error(`${address}'s account identity changed; accept the new one before verifying it`);
    await this.store.put({ ...record, verified: true });
  }
}
