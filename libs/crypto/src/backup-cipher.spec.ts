import { randomBytes } from 'node:crypto';
import {
  BACKUP_OVERHEAD_BYTES,
  BackupIntegrityError,
  deriveBackupKeys,
  formatRecoveryKey,
  newRecoveryKey,
  openBackup,
  parseRecoveryKey,
  sealBackup,
  unwrapRecoveryKey,
  wrapRecoveryKey,
} from './backup-cipher';

describe('backup cipher', () => {
  const recoveryKey = newRecoveryKey();
  const keys = deriveBackupKeys(recoveryKey);
  const plaintext = Buffer.from(JSON.stringify({ hello: 'world'.repeat(100) }));

  it('makes 64-character recovery keys of a-z0-9, each a different backup id and key', () => {
    expect(recoveryKey).toMatch(/^[a-z0-9]{64}$/);
    const other = deriveBackupKeys(newRecoveryKey());
    expect(keys.backupId).toMatch(/^[0-9a-f]{32}$/);
    expect(other.backupId).not.toBe(keys.backupId);
    expect(other.cipherKey.equals(keys.cipherKey)).toBe(false);
    expect(deriveBackupKeys(recoveryKey)).toEqual(keys);
  });

  it.each([
    ['as shown, in groups of four', (k: string) => formatRecoveryKey(k)],
    ['in capitals with dashes', (k: string) => formatRecoveryKey(k).toUpperCase().replace(/ /g, '-')],
  ])('reads a recovery key typed %s', (_name, typed) => {
    expect(parseRecoveryKey(typed(recoveryKey))).toBe(recoveryKey);
  });

  it.each([
    ['one character short', recoveryKey.slice(1)],
    ['a character outside a-z0-9', `${recoveryKey.slice(1)}!`],
    ['nothing', ''],
  ])('refuses a recovery key of %s', (_name, typed) => {
    expect(parseRecoveryKey(typed)).toBeNull();
  });

  it('opens what it sealed, compressed, with a fresh nonce each time', () => {
    const sealed = sealBackup(keys, plaintext);
    expect(openBackup(keys, sealed).equals(plaintext)).toBe(true);
    expect(sealed.length).toBeLessThan(plaintext.length);
    expect(sealBackup(keys, plaintext).equals(sealed)).toBe(false);
    expect(sealBackup(keys, Buffer.alloc(0)).length).toBeGreaterThan(BACKUP_OVERHEAD_BYTES);
  });

  it.each([
    ['another recovery key', (s: Buffer) => ({ keys: deriveBackupKeys(newRecoveryKey()), sealed: s })],
    ['one flipped bit', (s: Buffer) => ({ keys, sealed: Buffer.from(s).fill(s[20] ^ 1, 20, 21) })],
    ['a cut tag', (s: Buffer) => ({ keys, sealed: s.subarray(0, s.length - 1) })],
    ['another id (a backup filed under the wrong one)', (s: Buffer) => ({ keys: { ...keys, backupId: '0'.repeat(32) }, sealed: s })],
    ['another format byte', (s: Buffer) => ({ keys, sealed: Buffer.from(s).fill(2, 0, 1) })],
    ['too few bytes', () => ({ keys, sealed: Buffer.alloc(BACKUP_OVERHEAD_BYTES - 1) })],
  ])('refuses a backup opened with %s', (_name, tamper) => {
    const attempt = tamper(sealBackup(keys, plaintext));
    expect(() => openBackup(attempt.keys, attempt.sealed)).toThrow(BackupIntegrityError);
  });

  it('wraps a recovery key for a PIN: only the same export key unwraps it', () => {
    const exportKey = randomBytes(64).toString('base64url');
    const wrapped = wrapRecoveryKey(exportKey, recoveryKey);
    expect(unwrapRecoveryKey(exportKey, wrapped)).toBe(recoveryKey);
    expect(() => unwrapRecoveryKey(randomBytes(64).toString('base64url'), wrapped)).toThrow(BackupIntegrityError);
    expect(() => openBackup(keys, wrapped)).toThrow(BackupIntegrityError);
  });
});
