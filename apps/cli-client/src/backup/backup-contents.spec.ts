import { randomBytes } from 'node:crypto';
import type { ContactRecord } from '@parley/crypto';
import { deriveBackupKeys, generateAccountIdentity, newRecoveryKey, openBackup, sealBackup, toBase64 } from '@parley/crypto';
import type { HistoryEntry } from '../messaging/history';
import type { DeviceProfile } from '../profile/device-context';
import { backupContents, readBackupContents } from './backup-contents';

const ADDRESS = 'alice@localhost';
const key = () => toBase64(Buffer.concat([Buffer.of(5), randomBytes(32)]));

/** A contact as the CLI pins one: an account identity and a list of two devices. */
const contact = (i: number): ContactRecord => ({
  address: `contact${i}@example.org`,
  accountIdentityKey: key(),
  listVersion: 3,
  devices: [1, 2].map((deviceId) => ({ deviceId, registrationId: 1000 + deviceId, identityKey: key() })),
  verified: i % 2 === 0,
});

const message = (i: number): HistoryEntry => ({
  timestamp: 1_765_000_000_000 + i * 1000,
  from: i % 2 ? 'alice' : 'contact',
  fromDeviceId: 1,
  text: `message number ${i}, about as long as a chat line usually is`,
  outgoing: i % 2 === 1,
});

function profileWith(contacts: number, messagesEach: number): DeviceProfile {
  const records = Array.from({ length: contacts }, (_, i) => contact(i));
  return {
    accountIdentity: toBase64(generateAccountIdentity().serialize()),
    contacts: Object.fromEntries(records.map((r) => [r.address, r])),
    history: Object.fromEntries(records.map((r) => [r.address, Array.from({ length: messagesEach }, (_, i) => message(i))])),
  } as DeviceProfile;
}

describe('backup contents', () => {
  const keys = deriveBackupKeys(newRecoveryKey());
  const sealedSize = (profile: DeviceProfile, withHistory: boolean) =>
    sealBackup(keys, Buffer.from(JSON.stringify(backupContents(profile, ADDRESS, withHistory, 0)))).length;

  it('comes back as it was backed up: identity, contacts with their verified marks, history', () => {
    const profile = profileWith(3, 2);
    const sealed = sealBackup(keys, Buffer.from(JSON.stringify(backupContents(profile, ADDRESS, true, 0))));
    const { identity, restored } = readBackupContents(openBackup(keys, sealed), ADDRESS);
    expect(toBase64(identity.serialize())).toBe(profile.accountIdentity);
    expect(restored.contacts).toEqual(profile.contacts);
    expect(restored.history).toEqual(profile.history);
  });

  it('leaves the history out unless asked', () => {
    expect(backupContents(profileWith(1, 5), ADDRESS, false, 0).history).toBeUndefined();
  });

  it("refuses another account's backup", () => {
    const plaintext = Buffer.from(JSON.stringify(backupContents(profileWith(1, 0), 'bob@localhost', false, 0)));
    expect(() => readBackupContents(plaintext, ADDRESS)).toThrow(
      'that recovery key holds the backup of bob@localhost, not alice@localhost',
    );
  });

  it('fits 1,000 contacts, or 100 conversations of 500 messages, within the default 1 MiB', () => {
    const sizes = [1, 10, 100, 1000].map((n) => [n, sealedSize(profileWith(n, 0), false)]);
    const withHistory = sealedSize(profileWith(100, 500), true);
    process.stdout.write(
      `sealed backup sizes: ${sizes.map(([n, bytes]) => `${n} contacts ${bytes} B`).join(', ')}; ` +
        `100 contacts with 500 messages each ${withHistory} B\n`,
    );
    expect(sizes.at(-1)![1]).toBeLessThan(1024 * 1024);
    expect(withHistory).toBeLessThan(1024 * 1024);
  });
});
