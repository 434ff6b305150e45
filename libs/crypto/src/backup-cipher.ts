import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
// Not re-exported by the package's index.
import { AccountEntropyPool } from '@signalapp/libsignal-client/dist/AccountKeys.js';

/**
 * The backup cipher (docs/API.md section 10). A recovery key is Signal's
 * account entropy pool: 64 characters of [a-z0-9], about 330 bits, made
 * by libsignal and shown to the user once. libsignal derives the 32-byte
 * backup key from it; Parley derives from that, with HKDF-SHA256 and
 * separate labels, the backup id the server files the ciphertext under
 * and the AES-256-GCM key that seals it. (libsignal's own
 * `BackupKey.deriveBackupId` takes a Signal ACI, which Parley accounts do
 * not have.) The sealed form is
 * `0x01 || nonce (12 bytes) || AES-256-GCM(gzip(plaintext)) || tag (16 bytes)`,
 * with the backup id as associated data, so a ciphertext filed under
 * another id does not open either.
 */
const FORMAT_VERSION = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ID_INFO = 'parley-backup-id-v1';
const CIPHER_INFO = 'parley-backup-cipher-v1';
/** How far a backup may inflate when opened: far beyond any real one, short of exhausting memory. */
const MAX_PLAINTEXT_BYTES = 64 * 1024 * 1024;
/** What sealing adds to the compressed plaintext. */
export const BACKUP_OVERHEAD_BYTES = 1 + NONCE_BYTES + TAG_BYTES;

/** Why a backup was refused: a wrong key (its id found something else), or bytes changed after sealing. */
export class BackupIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupIntegrityError';
  }
}

/** What one recovery key yields: where the backup lives and the key that seals it. */
export interface BackupKeys {
  /** 16 bytes as 32 lower-case hex digits. */
  backupId: string;
  cipherKey: Buffer;
}

/** A fresh recovery key, in its canonical form (64 characters a-z, 0-9). */
export const newRecoveryKey = (): string => AccountEntropyPool.generate();

/** The recovery key in groups of four, as it is shown to a person to write down. */
export const formatRecoveryKey = (recoveryKey: string): string => recoveryKey.match(/.{1,4}/g)!.join(' ');

/** A recovery key as typed (any case, spaces and dashes allowed) in canonical form; null when it cannot be one. */
export function parseRecoveryKey(typed: string): string | null {
  const canonical = typed.toLowerCase().replace(/[\s-]/g, '');
  return AccountEntropyPool.isValid(canonical) ? canonical : null;
}

/** The backup id and cipher key of a canonical recovery key (see parseRecoveryKey). */
export function deriveBackupKeys(recoveryKey: string): BackupKeys {
  const backupKey = AccountEntropyPool.deriveBackupKey(recoveryKey).serialize();
  const derive = (info: string, bytes: number) => Buffer.from(hkdfSync('sha256', backupKey, Buffer.alloc(0), info, bytes));
  return { backupId: derive(ID_INFO, 16).toString('hex'), cipherKey: derive(CIPHER_INFO, 32) };
}

const associatedData = (backupId: string) => Buffer.from(`parley-backup-v1:${backupId}`);

/** `0x01 || nonce || AES-256-GCM(plaintext) || tag`, bound to `aad`. */
function seal(key: Buffer, aad: Buffer, plaintext: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_VERSION), nonce, body, cipher.getAuthTag()]);
}

/** The plaintext of `seal`'s output; throws BackupIntegrityError saying `what` did not open. */
function open(key: Buffer, aad: Buffer, sealed: Uint8Array, what: string): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < BACKUP_OVERHEAD_BYTES || bytes[0] !== FORMAT_VERSION) {
    throw new BackupIntegrityError(`this is not a Parley ${what} (or one of a newer format)`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + NONCE_BYTES)).setAAD(aad);
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new BackupIntegrityError(`the ${what} does not decrypt with this key: it was changed after it was made`);
  }
}

export function sealBackup({ backupId, cipherKey }: BackupKeys, plaintext: Uint8Array): Buffer {
  return seal(cipherKey, associatedData(backupId), gzipSync(plaintext));
}

/** The plaintext of a sealed backup, once its tag verifies. Throws BackupIntegrityError. */
export function openBackup({ backupId, cipherKey }: BackupKeys, sealed: Uint8Array): Buffer {
  return gunzipSync(open(cipherKey, associatedData(backupId), sealed, 'backup'), { maxOutputLength: MAX_PLAINTEXT_BYTES });
}

/**
 * A backup PIN (docs/API.md section 10, "PIN") wraps the recovery key with
 * a key derived (HKDF-SHA256, info `parley-pin-wrap-v1`) from the export
 * key of an OPAQUE login with the PIN (base64url, as @serenity-kit/opaque
 * gives it); only a login with the right PIN yields it.
 */
const PIN_WRAP_INFO = 'parley-pin-wrap-v1';
const pinWrapKey = (exportKey: string) =>
  Buffer.from(hkdfSync('sha256', Buffer.from(exportKey, 'base64url'), Buffer.alloc(0), PIN_WRAP_INFO, 32));

export const wrapRecoveryKey = (exportKey: string, recoveryKey: string): Buffer =>
  seal(pinWrapKey(exportKey), Buffer.from(PIN_WRAP_INFO), Buffer.from(recoveryKey));

/** The recovery key a PIN wrapped. Throws BackupIntegrityError. */
export const unwrapRecoveryKey = (exportKey: string, wrapped: Uint8Array): string =>
  open(pinWrapKey(exportKey), Buffer.from(PIN_WRAP_INFO), wrapped, 'wrapped recovery key').toString();
