import { Command } from 'commander';
import { deviceListEntry, generateAccountIdentity, signDeviceList } from '@parley/crypto';
import { confirmDestructive } from '../confirmation';
import type { Output } from '../output';
import type { Enrollment, Placement } from '../profile/enrollment';
import { EnrollOptions, enrollAndReport, enrollArguments } from './enroll';

/**
 * A new account identity, signing a list one version newer than the
 * current one (versions never go back, even across a reset) that names
 * only this device, with the id the server gives it next.
 */
async function placeResetDevice({ client, address, keys }: Enrollment, out: Output): Promise<Placement> {
  const { currentVersion, nextDeviceId } = await client.resetInfo();
  const identity = generateAccountIdentity();
  const devices = [deviceListEntry(keys, nextDeviceId)];
  const deviceList = signDeviceList(identity, { address, version: currentVersion + 1, timestamp: Date.now(), devices });
  out.note(`replacing the account identity and every device of ${address} with this one (device ${nextDeviceId})…`);
  return { identity, deviceList, reset: true };
}

const confirmReset = (username: string, yes: boolean | undefined) =>
  confirmDestructive(
    {
      summary: 'a reset removes every device of the account',
      details:
        `This removes every device of ${username} (their keys and queued messages are lost) and starts a new account identity.\n` +
        `Every contact will see that ${username}'s identity changed and must accept it before sending again.`,
      question: `reset ${username}?`,
      declined: 'not reset: nothing changed',
    },
    yes,
  );

export const resetCommand = () =>
  enrollArguments(
    new Command('reset').description(
      'when every device of the account is lost: start a new account identity with this profile as its only device; ' +
        'removes all other devices, and every contact sees an identity change (password from PARLEY_PASSWORD or a prompt)',
    ),
  )
    .option('--yes', 'do not ask for confirmation')
    .action(async (username: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<EnrollOptions & { yes?: boolean }>();
      await confirmReset(username, options.yes);
      await enrollAndReport('reset', username, options, placeResetDevice);
    });
