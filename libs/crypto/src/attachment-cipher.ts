import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The attachment cipher (docs/API.md, "Attachments"). Each file gets a
 * fresh 32-byte key and is sealed with AES-256-GCM; the blob is
 * `nonce (12 bytes) || ciphertext || tag (16 bytes)`. The key and the
 * SHA-256 digest of the whole blob travel inside the end-to-end encrypted
 * message, so the server stores bytes it cannot read, and a recipient
 * notices any change to them before decrypting.
 *
 * libsignal-client exposes no attachment cipher to Node (Signal's clients
 * hand-assemble AES-CBC + HMAC), so this uses node:crypto's AES-GCM.
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const ATTACHMENT_KEY_BYTES = 32;
/** What sealing adds to a file's size. */
export const ATTACHMENT_OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;
/** Binds every blob to this use: a blob of another Parley format cannot be passed off as an attachment. */
const ASSOCIATED_DATA = Buffer.from('parley-attachment-v1');

export interface SealedAttachment {
  /** The blob to upload. */
  blob: Buffer;
  key: Buffer;
  /** SHA-256 of `blob`. */
  digest: Buffer;
}

/** Why an attachment was refused: never written anywhere. */
export class AttachmentIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttachmentIntegrityError';
  }
}

export const attachmentDigest = (blob: Uint8Array): Buffer => createHash('sha256').update(blob).digest();

export function encryptAttachment(plaintext: Uint8Array): SealedAttachment {
  const key = randomBytes(ATTACHMENT_KEY_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(ASSOCIATED_DATA);
  const blob = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { blob, key, digest: attachmentDigest(blob) };
}

/**
 * The plaintext of `blob`, after checking its digest against the one the
 * sender put in the message (so a swapped or damaged blob is refused
 * before any decryption) and the GCM tag. Throws AttachmentIntegrityError.
 */
export function decryptAttachment(blob: Uint8Array, key: Uint8Array, digest: Uint8Array): Buffer {
  const actual = attachmentDigest(blob);
  if (digest.length !== actual.length || !timingSafeEqual(actual, digest)) {
    throw new AttachmentIntegrityError('the attachment does not match its digest: it was changed or damaged on the way');
  }
  if (key.length !== ATTACHMENT_KEY_BYTES) throw new AttachmentIntegrityError(`an attachment key is ${ATTACHMENT_KEY_BYTES} bytes`);
  if (blob.length < ATTACHMENT_OVERHEAD_BYTES) throw new AttachmentIntegrityError('the attachment is too short to be sealed');
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES)).setAAD(ASSOCIATED_DATA);
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new AttachmentIntegrityError('the attachment does not decrypt with its key');
  }
}
