import { Command } from 'commander';
import { ErrorCode, ParleyApiError, ParleyClient } from '@parley/protocol';
import { deriveBackupKeys, formatRecoveryKey, newRecoveryKey, sealBackup, toBase64 } from '@parley/crypto';
import { backupContents } from '../backup/backup-contents';
import { readPin, setBackupPin } from '../backup/backup-pin';
import { deviceAction } from '../command-action';
import { Output, plural } from '../output';

/**
 * Stores `sealed` as the backup's next version. A 409 means another holder
 * of the recovery key (a device restored from it) wrote meanwhile; this
 * device's state is what the user asked to back up, so it replaces that
 * version, once, from the version the server names.
 */
async function store(client: ParleyClient, backupId: string, ciphertext: string, expectedVersion: number, out: Output): Promise<number> {
  try {
    return (await client.putBackup(backupId, { ciphertext, expectedVersion })).version;
  } catch (error) {
    if (!(error instanceof ParleyApiError && error.error === ErrorCode.BackupVersionConflict)) throw error;
    const currentVersion = (error.body as { currentVersion?: number }).currentVersion ?? 0;
    out.note(`the backup was changed elsewhere (version ${currentVersion}); replacing it with this device's`);
    return (await client.putBackup(backupId, { ciphertext, expectedVersion: currentVersion })).version;
  }
}

export const backupCommand = () =>
  new Command('backup')
    .description(
      "store an encrypted backup of this account's identity and contacts on the server; the first run makes a recovery key " +
        'and shows it once: write it down, `parley restore` needs it when every device is lost',
    )
    .option('--history', 'include the message history kept in this profile')
    .option(
      '--pin',
      'also set a short PIN that unlocks the recovery key through the server, 10 guesses (from PARLEY_BACKUP_PIN or a prompt)',
    )
    .action(
      deviceAction<{ history?: boolean; pin?: boolean }>(async (ctx, out, _args, options) => {
        const pin = options.pin ? await readPin(true) : null;
        const firstBackup = !ctx.profile.backup?.version;
        // Kept in the profile before the upload, so a failed first upload does not leave a key the user never saw behind.
        const backup = (ctx.profile.backup ??= { recoveryKey: newRecoveryKey(), version: 0 });
        await ctx.exclusive(() => ctx.store.save());
        const keys = deriveBackupKeys(backup.recoveryKey);
        const contents = backupContents(ctx.profile, ctx.ownAddress, Boolean(options.history), Date.now());
        const sealed = sealBackup(keys, Buffer.from(JSON.stringify(contents)));
        backup.version = await store(ctx.client, keys.backupId, toBase64(sealed), backup.version, out);
        if (pin) {
          await setBackupPin(ctx.client, pin, backup.recoveryKey);
          out.note('backup PIN set: `parley restore --pin` can use it instead of the recovery key (10 wrong guesses delete it)');
        }
        const what = `${plural(contents.contacts.length, 'contact')}${contents.history ? ' and message history' : ''}`;
        const data = { backupId: keys.backupId, version: backup.version, bytes: sealed.length, contacts: contents.contacts.length };
        if (!firstBackup) {
          out.result(`backed up ${what} (${sealed.length} bytes, version ${backup.version})`, data);
          return;
        }
        out.result(
          `backed up ${what} (${sealed.length} bytes). Your recovery key, shown only this once:\n\n  ${formatRecoveryKey(backup.recoveryKey)}\n\n` +
            'Write it down and keep it safe. With it and your password, `parley restore` brings this account back on a new device; ' +
            'without it, nobody (not the server either) can open the backup.',
          { ...data, recoveryKey: backup.recoveryKey },
        );
      }),
    );
