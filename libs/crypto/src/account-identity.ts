import { IdentityKeyPair, PrivateKey, PublicKey } from '@signalapp/libsignal-client';
import { encodeDeviceList, Limits, SignedDeviceList, UnsignedDeviceList } from '@parley/protocol';
import { fromBase64, fromBase64Strict, toBase64 } from './base64';

/**
 * The key pair that speaks for a whole account: its first device creates it,
 * linked devices receive it, and the server only ever sees the public key.
 * Every device list of the account is signed by it.
 */
export function generateAccountIdentity(): IdentityKeyPair {
  return IdentityKeyPair.generate();
}

/** Signs `list` as `identity`'s statement of the account's devices, listed in deviceId order. */
export function signDeviceList(identity: IdentityKeyPair, list: Omit<UnsignedDeviceList, 'accountIdentityKey'>): SignedDeviceList {
  const unsigned: UnsignedDeviceList = {
    address: list.address,
    accountIdentityKey: toBase64(identity.publicKey.serialize()),
    version: list.version,
    timestamp: list.timestamp,
    devices: [...list.devices]
      .sort((a, b) => a.deviceId - b.deviceId)
      .map(({ deviceId, registrationId, identityKey }) => ({ deviceId, registrationId, identityKey })),
  };
  const signature = identity.privateKey.sign(encodeDeviceList(unsigned));
  return { ...unsigned, signature: toBase64(signature) };
}

/**
 * Whether `list.signature` is the XEdDSA signature of `list.accountIdentityKey`
 * over encodeDeviceList(list). False, never a throw, for any malformed input;
 * pure and one signature check long, so the server can run it on every upload.
 * It says who signed the list, not whether that is the right account key:
 * that is what pinning (ContactTrust) is for.
 */
export function verifyDeviceListSignature(list: SignedDeviceList): boolean {
  try {
    const signature = fromBase64Strict(list.signature);
    const key = fromBase64Strict(list.accountIdentityKey);
    if (signature?.length !== Limits.signatureBytes || key?.length !== Limits.ecPublicKeyBytes) return false;
    return PublicKey.deserialize(key).verify(encodeDeviceList(list), signature);
  } catch {
    return false;
  }
}

/** What an existing device hands a device it approves: the account's identity and the new device's place in it. */
export interface ProvisioningMessage {
  /** Base64 of IdentityKeyPair.serialize() of the account identity. */
  accountIdentityKeyPair: string;
  deviceId: number;
  /** The account's current signed list, which the new device's first list builds on. */
  deviceList: SignedDeviceList;
}

/** HPKE `info` of provisioning messages: keys derived for them serve nothing else. */
export const PROVISIONING_INFO = 'parley-provisioning-v1';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/**
 * Seals `message` (HPKE, libsignal's PublicKey.seal) to the identity key from
 * the new device's linking code, with the slot id as associated data, so the
 * server relaying it can neither read it nor move it to another slot.
 */
export function sealProvisioningMessage(newDeviceIdentityKey: PublicKey, slotId: string, message: ProvisioningMessage): string {
  return toBase64(newDeviceIdentityKey.seal(utf8(JSON.stringify(message)), PROVISIONING_INFO, utf8(slotId)));
}

/** A provisioning message that cannot be opened or does not hold together. */
export class ProvisioningError extends Error {
  constructor(reason: string) {
    super(`cannot accept the provisioning message: ${reason}`);
    this.name = 'ProvisioningError';
  }
}

/**
 * Opens a message sealed to this device for `slotId`. Throws ProvisioningError
 * when it was altered, sealed for another slot or device, or its contents do
 * not agree: the key pair must be whole and the list signed by that key pair.
 */
export function openProvisioningMessage(devicePrivateKey: PrivateKey, slotId: string, sealed: string): ProvisioningMessage {
  let plaintext: Uint8Array;
  try {
    plaintext = devicePrivateKey.open(fromBase64(sealed), PROVISIONING_INFO, utf8(slotId));
  } catch {
    throw new ProvisioningError('it was altered, or sealed for another slot or device');
  }
  let message: ProvisioningMessage;
  let identity: IdentityKeyPair;
  try {
    message = JSON.parse(Buffer.from(plaintext).toString('utf8')) as ProvisioningMessage;
    identity = IdentityKeyPair.deserialize(fromBase64(message.accountIdentityKeyPair));
  } catch {
    throw new ProvisioningError('it does not hold an account identity key pair');
  }
  if (!identity.privateKey.getPublicKey().equals(identity.publicKey)) throw new ProvisioningError('the key pair does not match');
  if (!Number.isSafeInteger(message.deviceId) || message.deviceId < 1) throw new ProvisioningError('the device id is malformed');
  if (
    !verifyDeviceListSignature(message.deviceList) ||
    message.deviceList.accountIdentityKey !== toBase64(identity.publicKey.serialize())
  ) {
    throw new ProvisioningError('its device list is not signed by the account identity it carries');
  }
  return message;
}
