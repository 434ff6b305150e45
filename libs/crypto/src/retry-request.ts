import { DecryptionErrorMessage, PlaintextContent, ProtocolAddress, SessionStore } from '@signalapp/libsignal-client';
import { fromBase64, toBase64 } from './base64';

/** What a retry request asks for: the message this device sent at `timestamp`. */
export interface RetryRequest {
  timestamp: number;
  /** The device that sent the original; a request naming another device is not for us. */
  originalSenderDeviceId: number;
}

/**
 * Signal's retry receipt for a message that would not decrypt: a
 * DecryptionErrorMessage (the original's timestamp, sender device and
 * ratchet key) in a PlaintextContent, which travels unencrypted as
 * CiphertextMessageType.Plaintext because the session it would need is
 * the broken one. Returns the base64 envelope content.
 */
export function encodeRetryRequest(original: { type: number; content: string; timestamp: number; sourceDeviceId: number }): string {
  const error = DecryptionErrorMessage.forOriginal(
    fromBase64(original.content),
    original.type,
    original.timestamp,
    original.sourceDeviceId,
  );
  return toBase64(PlaintextContent.from(error).serialize());
}

/** Reads a retry request from a Plaintext envelope's content; throws on anything else. */
export function decodeRetryRequest(content: string): RetryRequest {
  const error = DecryptionErrorMessage.extractFromSerializedBody(PlaintextContent.deserialize(fromBase64(content)).body());
  return { timestamp: error.timestamp(), originalSenderDeviceId: error.deviceId() };
}

/**
 * Moves the current session with `remote` to the record's previous states,
 * as Signal does on a retry receipt: the next message starts a new session,
 * while a late message on the old one can still decrypt.
 */
export async function archiveSession(sessions: SessionStore, remote: ProtocolAddress): Promise<void> {
  const record = await sessions.getSession(remote);
  if (!record) return;
  record.archiveCurrentState();
  await sessions.saveSession(remote, record);
}
