/**
 * Attachments (docs/API.md section 7): the server keeps encrypted blobs for
 * a while; the key and digest travel in the end-to-end encrypted message.
 */

/** An upload's only accepted body type: the raw ciphertext, never base64 JSON. */
export const ATTACHMENT_CONTENT_TYPE = 'application/octet-stream';

/** 128 random bits as 32 lower-case hex digits: the id is the capability to download. */
export const ATTACHMENT_ID_PATTERN = /^[0-9a-f]{32}$/;

/** 201 of POST /v1/attachments. */
export interface AttachmentUploadResponse {
  id: string;
  /** When the server deletes the blob, ms since the epoch. */
  expiresAt: number;
}

/**
 * What a sender puts into its message so the recipient can fetch and open
 * the file. Never seen by the server: it travels inside the encryption.
 */
export interface AttachmentPointer {
  id: string;
  /** Base64 of the 32-byte AES-256-GCM key. */
  key: string;
  /** Base64 of the SHA-256 of the uploaded blob. */
  digest: string;
  /** The file's size in bytes (the blob is 28 bytes longer). */
  size: number;
  /** The file's name as the sender had it, without directories. */
  name: string;
  contentType?: string;
}

const isBase64 = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value);

/** A pointer from a decrypted message, checked field by field; null when it is not one (another client's, or damaged). */
export function parseAttachmentPointer(value: unknown): AttachmentPointer | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, key, digest, size, name, contentType } = value as Record<string, unknown>;
  const valid =
    typeof id === 'string' &&
    ATTACHMENT_ID_PATTERN.test(id) &&
    isBase64(key) &&
    isBase64(digest) &&
    Number.isSafeInteger(size) &&
    (size as number) >= 0 &&
    typeof name === 'string' &&
    (contentType === undefined || typeof contentType === 'string');
  if (!valid) return null;
  return { id, key, digest, size: size as number, name, ...(contentType !== undefined && { contentType }) };
}
