import { Command } from 'commander';
import type { IdentityKeyPair } from '@signalapp/libsignal-client';
import type { SignedDeviceList } from '@parley/protocol';
import {
  BackupIntegrityError,
  deriveBackupKeys,
  deviceListEntry,
  fromBase64,
  openBackup,
  parseRecoveryKey,
  signListWithDevice,
  signListWithoutDevice,
  toBase64,
  verifyDeviceListSignature,
} from '@parley/crypto';
import { readBackupContents } from '../backup/backup-contents';
import { readPin, recoveryKeyFromPin } from '../backup/backup-pin';
import { CliError, ExitCode } from '../cli-error';
import { numbered, Output } from '../output';
import type { DeviceContext } from '../profile/device-context';
import type { Enrollment, Placement } from '../profile/enrollment';
import { readSecret } from '../profile/secrets';
import { checkServedDevices } from '../trust/contacts';
import { EnrollOptions, enrollAndReport, enrollArguments } from './enroll';

/** The account's current list must be one the backed-up identity signed: else the account was reset since, and the identity is no longer its. */
function checkCurrentList(identity: IdentityKeyPair, address: string, deviceList: SignedDeviceList | null): SignedDeviceList {
  const ours = toBase64(identity.publicKey.serialize());
  if (!deviceList || deviceList.address !== address || deviceList.accountIdentityKey !== ours) {
    throw new CliError(
      `${address} no longer has the account identity of this backup (it was reset since): the backup cannot restore it`,
      ExitCode.Conflict,
    );
  }
  if (!verifyDeviceListSignature(deviceList)) {
    throw new CliError(`the server's device list for ${address} is not signed by the account identity`, ExitCode.Untrusted);
  }
  return deviceList;
}

/**
 * Fetches and opens the backup the recovery key names, then signs the
 * account's next list, this device added, with the restored identity:
 * contacts see a new device of the identity they pinned.
 */
async function placeRestoredDevice(secret: RestoreSecret, { client, address, keys }: Enrollment, out: Output): Promise<Placement> {
  const recoveryKey = secret.recoveryKey ?? (await recoveryKeyFromPin(client, secret.pin));
  const backupKeys = deriveBackupKeys(recoveryKey);
  const stored = await client.getBackup(backupKeys.backupId);
  if (!stored) {
    throw new CliError('there is no backup for that recovery key on this server: check the key, and --server', ExitCode.NotFound);
  }
  let plaintext: Buffer;
  try {
    plaintext = openBackup(backupKeys, fromBase64(stored.ciphertext));
  } catch (error) {
    if (error instanceof BackupIntegrityError) throw new CliError(`${error.message}; nothing was restored`, ExitCode.Untrusted);
    throw error;
  }
  const { identity, restored } = readBackupContents(plaintext, address);
  const { deviceList, nextDeviceId } = await client.resetInfo();
  const current = checkCurrentList(identity, address, deviceList);
  const backedUp = restored.contacts[address]?.listVersion ?? 0;
  if (current.version < backedUp) {
    throw new CliError(
      `the server serves ${address}'s device list version ${current.version}, older than the backup's ${backedUp}`,
      ExitCode.Untrusted,
    );
  }
  out.note(`restoring ${address} from its backup: this device becomes device ${nextDeviceId}…`);
  return {
    identity,
    deviceList: signListWithDevice(identity, address, current, deviceListEntry(keys, nextDeviceId)),
    restored: { ...restored, backup: { recoveryKey, version: stored.version } },
  };
}

/** Removes every other device of the account, the lost ones, each with the next list signed without it. */
async function removeLostDevices(ctx: DeviceContext, out: Output): Promise<{ removedDevices: number[] }> {
  let { deviceList } = await ctx.client.listDevices();
  await ctx.exclusive(() => checkServedDevices(ctx, ctx.profile.username, { devices: [], deviceList }));
  const lost = deviceList!.devices.map((d) => d.deviceId).filter((id) => id !== ctx.profile.deviceId);
  for (const deviceId of lost) {
    deviceList = signListWithoutDevice(ctx.accountIdentity, deviceList!, deviceId);
    await ctx.client.removeDevice(deviceId, deviceList);
  }
  await ctx.exclusive(() => checkServedDevices(ctx, ctx.profile.username, { devices: [], deviceList }));
  if (lost.length) out.note(`removed the lost ${numbered('device', lost)}`);
  return { removedDevices: lost };
}

/** What unlocks the backup: the recovery key, or a PIN that unwraps it through the server. */
type RestoreSecret = { recoveryKey: string; pin?: undefined } | { recoveryKey?: undefined; pin: string };

async function readRestoreSecret(withPin: boolean): Promise<RestoreSecret> {
  if (withPin) return { pin: await readPin() };
  const recoveryKey = parseRecoveryKey(await readSecret('PARLEY_RECOVERY_KEY', 'recovery key'));
  if (!recoveryKey) throw new CliError('that is not a recovery key: 64 letters and digits, as `parley backup` showed it', ExitCode.Usage);
  return { recoveryKey };
}

export const restoreCommand = () =>
  enrollArguments(
    new Command('restore').description(
      'after losing every device: bring the account identity and contacts back from the backup on the server, make this ' +
        'profile a new device of the account and remove the lost ones; contacts see a new device, not an identity change ' +
        '(password from PARLEY_PASSWORD, recovery key from PARLEY_RECOVERY_KEY, or prompts)',
    ),
  )
    .option('--pin', 'use the backup PIN set with `parley backup --pin` instead of the recovery key (from PARLEY_BACKUP_PIN or a prompt)')
    .action(async (username: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<EnrollOptions & { pin?: boolean }>();
      const secret = await readRestoreSecret(Boolean(options.pin));
      await enrollAndReport(
        'restored',
        username,
        options,
        (enrollment, out) => placeRestoredDevice(secret, enrollment, out),
        removeLostDevices,
      );
    });
