import { IdentityKeyPair, KEMKeyPair, KyberPreKeyRecord, PreKeyRecord, PrivateKey, SignedPreKeyRecord } from '@signalapp/libsignal-client';
import type { CreateDeviceRequest, DeviceBundle, DeviceListEntry, PreKey, SignedDeviceList, SignedPreKey } from '@parley/protocol';
import { toBase64 } from './base64';

/** Private halves a device keeps; the public halves go to the server. */
export interface GeneratedDeviceKeys {
  identity: IdentityKeyPair;
  registrationId: number;
  signedPreKey: SignedPreKeyRecord;
  pqLastResortPreKey: KyberPreKeyRecord;
  preKeys: PreKeyRecord[];
  pqPreKeys: KyberPreKeyRecord[];
}

export function generateRegistrationId(): number {
  return 1 + Math.floor(Math.random() * 16380);
}

export function generateSignedPreKey(identity: IdentityKeyPair, keyId: number): SignedPreKeyRecord {
  const privateKey = PrivateKey.generate();
  const publicKey = privateKey.getPublicKey();
  const signature = identity.privateKey.sign(publicKey.serialize());
  return SignedPreKeyRecord.new(keyId, Date.now(), publicKey, privateKey, signature);
}

export function generateKyberPreKey(identity: IdentityKeyPair, keyId: number): KyberPreKeyRecord {
  const keyPair = KEMKeyPair.generate();
  const signature = identity.privateKey.sign(keyPair.getPublicKey().serialize());
  return KyberPreKeyRecord.new(keyId, Date.now(), keyPair, signature);
}

export function generatePreKey(keyId: number): PreKeyRecord {
  const privateKey = PrivateKey.generate();
  return PreKeyRecord.new(keyId, privateKey.getPublicKey(), privateKey);
}

export function generatePreKeys(firstKeyId: number, count: number): PreKeyRecord[] {
  return Array.from({ length: count }, (_, i) => generatePreKey(firstKeyId + i));
}

export function generateKyberPreKeys(identity: IdentityKeyPair, firstKeyId: number, count: number): KyberPreKeyRecord[] {
  return Array.from({ length: count }, (_, i) => generateKyberPreKey(identity, firstKeyId + i));
}

/**
 * A fresh identity with a signed prekey (id 1), a Kyber last-resort key
 * (id 1) and `oneTimeCount` one-time keys of each kind (ids from 1 for EC,
 * from 2 for Kyber: Kyber ids share one space with the last-resort key).
 */
export function generateDeviceKeys(oneTimeCount = 20): GeneratedDeviceKeys {
  const identity = IdentityKeyPair.generate();
  return {
    identity,
    registrationId: generateRegistrationId(),
    signedPreKey: generateSignedPreKey(identity, 1),
    pqLastResortPreKey: generateKyberPreKey(identity, 1),
    preKeys: generatePreKeys(1, oneTimeCount),
    pqPreKeys: generateKyberPreKeys(identity, 2, oneTimeCount),
  };
}

export const publicPreKey = (record: PreKeyRecord): PreKey => ({
  keyId: record.id(),
  publicKey: toBase64(record.publicKey().serialize()),
});

export const publicSignedPreKey = (record: SignedPreKeyRecord): SignedPreKey => ({
  keyId: record.id(),
  publicKey: toBase64(record.publicKey().serialize()),
  signature: toBase64(record.signature()),
});

export const publicKyberPreKey = (record: KyberPreKeyRecord): SignedPreKey => ({
  keyId: record.id(),
  publicKey: toBase64(record.publicKey().serialize()),
  signature: toBase64(record.signature()),
});

/** The body of POST /v1/devices for these keys. */
export function deviceRegistrationRequest(keys: GeneratedDeviceKeys, name: string, deviceList: SignedDeviceList): CreateDeviceRequest {
  return {
    name,
    deviceList,
    registrationId: keys.registrationId,
    identityKey: toBase64(keys.identity.publicKey.serialize()),
    signedPreKey: publicSignedPreKey(keys.signedPreKey),
    pqLastResortPreKey: publicKyberPreKey(keys.pqLastResortPreKey),
    preKeys: keys.preKeys.map(publicPreKey),
    pqPreKeys: keys.pqPreKeys.map(publicKyberPreKey),
  };
}

/** The entry these keys get in the account's signed device list once registered as `deviceId`. */
export function deviceListEntry(keys: GeneratedDeviceKeys, deviceId: number): DeviceListEntry {
  return { deviceId, registrationId: keys.registrationId, identityKey: toBase64(keys.identity.publicKey.serialize()) };
}

/**
 * The bundle a server would hand out for these keys (the first one-time key
 * of each kind): for tests that run sessions without a server.
 */
export function bundleFor(keys: GeneratedDeviceKeys, deviceId: number): DeviceBundle {
  return {
    deviceId,
    registrationId: keys.registrationId,
    identityKey: toBase64(keys.identity.publicKey.serialize()),
    signedPreKey: publicSignedPreKey(keys.signedPreKey),
    preKey: publicPreKey(keys.preKeys[0]),
    pqPreKey: publicKyberPreKey(keys.pqPreKeys[0]),
  };
}
