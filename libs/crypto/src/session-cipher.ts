import {
  CiphertextMessageType,
  PreKeyBundle,
  PreKeySignalMessage,
  ProtocolAddress,
  PublicKey,
  KEMPublicKey,
  SignalMessage,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';
import type { DeviceBundle, OutgoingMessage } from '@parley/protocol';
import { fromBase64, toBase64 } from './base64';
import type { ProtocolStore } from './store/protocol-store';

/** The stores a session needs; satisfied by the in-memory and the persistent store alike. */
export type ProtocolStores = Pick<ProtocolStore, 'sessions' | 'identities' | 'preKeys' | 'signedPreKeys' | 'kyberPreKeys'>;

/** Turns one device of a server bundle into libsignal's PreKeyBundle. */
export function toPreKeyBundle(device: DeviceBundle): PreKeyBundle {
  return PreKeyBundle.new(
    device.registrationId,
    device.deviceId,
    device.preKey?.keyId ?? null,
    device.preKey ? PublicKey.deserialize(fromBase64(device.preKey.publicKey)) : null,
    device.signedPreKey.keyId,
    PublicKey.deserialize(fromBase64(device.signedPreKey.publicKey)),
    fromBase64(device.signedPreKey.signature),
    PublicKey.deserialize(fromBase64(device.identityKey)),
    device.pqPreKey.keyId,
    KEMPublicKey.deserialize(fromBase64(device.pqPreKey.publicKey)),
    fromBase64(device.pqPreKey.signature),
  );
}

/** Runs PQXDH against a fetched bundle, creating the session with that device. */
export async function startSession(stores: ProtocolStores, local: ProtocolAddress, remote: ProtocolAddress, device: DeviceBundle) {
  await processPreKeyBundle(toPreKeyBundle(device), remote, local, stores.sessions, stores.identities);
}

export async function encryptMessage(
  stores: ProtocolStores,
  local: ProtocolAddress,
  remote: ProtocolAddress,
  plaintext: Uint8Array<ArrayBuffer>,
  registrationId: number,
): Promise<OutgoingMessage> {
  const ciphertext = await signalEncrypt(plaintext, remote, local, stores.sessions, stores.identities);
  return {
    destinationDeviceId: remote.deviceId(),
    destinationRegistrationId: registrationId,
    type: ciphertext.type(),
    content: toBase64(ciphertext.serialize()),
  };
}

export async function decryptMessage(
  stores: ProtocolStores,
  local: ProtocolAddress,
  remote: ProtocolAddress,
  type: number,
  content: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = fromBase64(content);
  if (type === CiphertextMessageType.PreKey) {
    return signalDecryptPreKey(
      PreKeySignalMessage.deserialize(bytes),
      remote,
      local,
      stores.sessions,
      stores.identities,
      stores.preKeys,
      stores.signedPreKeys,
      stores.kyberPreKeys,
    );
  }
  if (type === CiphertextMessageType.Whisper) {
    return signalDecrypt(SignalMessage.deserialize(bytes), remote, local, stores.sessions, stores.identities);
  }
  throw new Error(`unsupported ciphertext type ${type}`);
}
