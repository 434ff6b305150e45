/**
 * Encrypted backups (docs/API.md section 9): the client encrypts what its
 * account needs to carry on under a key derived from a recovery key that
 * only the user holds; the server keeps the ciphertext under an id derived
 * from the same key, and never learns whose it is from the row.
 */

/** A backup id: 16 bytes derived from the recovery key, as 32 lower-case hex digits. */
export const BACKUP_ID_PATTERN = /^[0-9a-f]{32}$/;

/** PUT /v1/backups/:backupId. */
export interface PutBackupRequest {
  /** Base64 of the sealed backup (at most the server's BACKUP_MAX_BYTES once decoded). */
  ciphertext: string;
  /** The version the client last saw: 0 to create, else the current version; anything else is 409 backup_version_conflict. */
  expectedVersion: number;
}

/** 200 of PUT /v1/backups/:backupId. */
export interface PutBackupResponse {
  /** The stored backup's version: expectedVersion + 1. */
  version: number;
}

/** 200 of GET /v1/backups/:backupId. */
export interface BackupResponse {
  ciphertext: string;
  version: number;
}
