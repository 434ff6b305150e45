import { randomBytes } from 'node:crypto';
import {
  ATTACHMENT_OVERHEAD_BYTES,
  AttachmentIntegrityError,
  attachmentDigest,
  decryptAttachment,
  encryptAttachment,
} from './attachment-cipher';

describe('attachment cipher', () => {
  it('round-trips 12 MiB with a fresh key and a digest of the uploaded bytes', () => {
    const plaintext = randomBytes(12 * 1024 * 1024);
    const sealed = encryptAttachment(plaintext);
    expect(sealed.key).toHaveLength(32);
    expect(sealed.blob).toHaveLength(plaintext.length + ATTACHMENT_OVERHEAD_BYTES);
    expect(sealed.digest).toEqual(attachmentDigest(sealed.blob));
    expect(decryptAttachment(sealed.blob, sealed.key, sealed.digest).equals(plaintext)).toBe(true);
  });

  it('seals an empty file too', () => {
    const sealed = encryptAttachment(new Uint8Array(0));
    expect(decryptAttachment(sealed.blob, sealed.key, sealed.digest)).toHaveLength(0);
  });

  it('uses a new key and nonce for every file, so equal files give unrelated blobs', () => {
    const plaintext = Buffer.from('the same photo');
    const [a, b] = [encryptAttachment(plaintext), encryptAttachment(plaintext)];
    expect(a.key.equals(b.key)).toBe(false);
    expect(a.blob.equals(b.blob)).toBe(false);
  });

  const sealed = encryptAttachment(Buffer.from('holiday.jpg bytes'));
  const flipped = (bytes: Buffer, at: number) => {
    const copy = Buffer.from(bytes);
    copy[at] ^= 1;
    return copy;
  };

  it.each([
    ['a changed byte of the blob', () => decryptAttachment(flipped(sealed.blob, 20), sealed.key, sealed.digest), /digest/],
    ['a truncated blob', () => decryptAttachment(sealed.blob.subarray(1), sealed.key, sealed.digest), /digest/],
    ['another digest', () => decryptAttachment(sealed.blob, sealed.key, flipped(sealed.digest, 0)), /digest/],
    ['a digest of the wrong length', () => decryptAttachment(sealed.blob, sealed.key, sealed.digest.subarray(1)), /digest/],
    // The digest matches (a sender's mistake, or a blob and digest both replaced): the GCM tag still refuses it.
    ['the wrong key', () => decryptAttachment(sealed.blob, randomBytes(32), sealed.digest), /key/],
    ['a short key', () => decryptAttachment(sealed.blob, sealed.key.subarray(1), sealed.digest), /32 bytes/],
    [
      'a blob too short to hold a nonce and tag',
      () => decryptAttachment(Buffer.alloc(10), sealed.key, attachmentDigest(Buffer.alloc(10))),
      /too short/,
    ],
  ])('refuses %s', (_name, decrypt, message) => {
    expect(decrypt).toThrow(AttachmentIntegrityError);
    expect(decrypt).toThrow(message);
  });
});
