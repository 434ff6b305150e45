import { IdentityKeyPair } from '@signalapp/libsignal-client';
import type { ContactRecord, KeyLogRecord } from '@parley/crypto';
import { fromBase64 } from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import type { HistoryEntry } from '../messaging/history';
import type { DeviceProfile } from '../profile/device-context';

/**
 * What a backup carries (docs/API.md section 10): what the account needs to
 * carry on with the same contacts, never a session or a device key (a
 * restored device is a new device with keys of its own).
 */
export interface BackupContents {
  format: 1;
  createdAt: number;
  /** `username@domain`: a restore into another account is refused. */
  address: string;
  /** Base64 of the account identity's IdentityKeyPair: what lets a restored device sign the account's next list. */
  accountIdentity: string;
  /** Each contact's pinned account identity, newest list and verified mark (this account's own included). */
  contacts: ContactRecord[];
  keyLogs?: Record<string, KeyLogRecord>;
  witnesses?: string[];
  ownLists?: Record<string, string>;
  /** Present when backed up with --history. */
  history?: Record<string, HistoryEntry[]>;
}

/** What of a backup becomes part of the restored profile. */
export type RestoredState = Pick<DeviceProfile, 'contacts' | 'keyLogs' | 'witnesses' | 'ownLists' | 'history' | 'backup'>;

/** What `parley backup` seals of `profile`, the profile of `address`. */
export function backupContents(profile: DeviceProfile, address: string, withHistory: boolean, now: number): BackupContents {
  const { accountIdentity, contacts, keyLogs, witnesses, ownLists, history } = profile;
  return {
    format: 1,
    createdAt: now,
    address,
    accountIdentity,
    contacts: Object.values(contacts),
    ...(keyLogs && { keyLogs }),
    ...(witnesses && { witnesses }),
    ...(ownLists && { ownLists }),
    ...(withHistory && history && { history }),
  };
}

/**
 * The contents of an opened backup, for `address`. The bytes passed the
 * AEAD check, so only a holder of the recovery key wrote them; what is
 * checked here is that they are a backup of this format and this account.
 */
export function readBackupContents(plaintext: Buffer, address: string): { identity: IdentityKeyPair; restored: RestoredState } {
  let contents: BackupContents;
  let identity: IdentityKeyPair;
  try {
    contents = JSON.parse(plaintext.toString('utf8')) as BackupContents;
    identity = IdentityKeyPair.deserialize(fromBase64(contents.accountIdentity));
  } catch {
    throw new CliError('the backup opened but is not a Parley backup this version can read', ExitCode.Untrusted);
  }
  if (contents.format !== 1 || !Array.isArray(contents.contacts)) {
    throw new CliError(`the backup is of format ${String(contents.format)}, which this version cannot read`, ExitCode.Untrusted);
  }
  if (contents.address !== address) {
    throw new CliError(`that recovery key holds the backup of ${contents.address}, not ${address}`, ExitCode.Untrusted);
  }
  const { keyLogs, witnesses, ownLists, history } = contents;
  const contacts = Object.fromEntries(contents.contacts.map((c) => [c.address, c]));
  return { identity, restored: { contacts, keyLogs, witnesses, ownLists, history } };
}
