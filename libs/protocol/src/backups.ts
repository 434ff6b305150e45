/**
 * Encrypted backups (docs/API.md section 10): the client encrypts what its
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

/**
 * A backup PIN (docs/API.md section 10, "PIN"): the recovery key wrapped
 * with a key only an OPAQUE login with the PIN yields; the server checks a
 * guess only online, and deletes the wrapped key after this many wrong ones.
 */
export const BACKUP_PIN_GUESSES = 10;

/** An OPAQUE protocol message (@serenity-kit/opaque): unpadded base64url. */
export const OPAQUE_MESSAGE_PATTERN = /^[A-Za-z0-9_-]{1,2048}$/;

/** POST /v1/backup-pin/registration. */
export interface PinRegistrationRequest {
  registrationRequest: string;
}
export interface PinRegistrationResponse {
  registrationResponse: string;
}
/** PUT /v1/backup-pin. */
export interface SetPinRequest {
  registrationRecord: string;
  /** Base64 of the recovery key sealed with a key derived from the OPAQUE export key (at most 256 bytes). */
  wrappedKey: string;
}
/** POST /v1/backup-pin/login. */
export interface PinLoginStartRequest {
  startLoginRequest: string;
}
export interface PinLoginStartResponse {
  loginResponse: string;
  /** Guesses left after this one before the wrapped key is deleted. */
  attemptsLeft: number;
}
/** POST /v1/backup-pin/login/finish. */
export interface PinLoginFinishRequest {
  finishLoginRequest: string;
}
export interface PinLoginFinishResponse {
  wrappedKey: string;
}
