import { existsSync, rmSync } from 'node:fs';
import { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import { confirmDestructive } from '../confirmation';
import { Output } from '../output';
import type { GlobalOptions } from '../profile/device-context';
import { lockProfile } from '../profile/profile-lock';
import { profileDirectory, storePath } from '../profile/profile-location';

/**
 * Forgets a device locally: deletes its profile directory. No passphrase
 * and no server needed, because its usual use is a device that was
 * removed from its account (or a profile whose passphrase is lost).
 */
export const unlinkCommand = () =>
  new Command('unlink')
    .description(
      "forget this profile's device here: deletes the profile directory (keys, sessions, tokens) for good; " +
        'a device still on its account stays listed there until `parley devices remove <id>` from another device',
    )
    .option('--yes', 'do not ask for confirmation')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { yes?: boolean }>();
      const dir = profileDirectory(options.profile);
      if (!existsSync(storePath(dir))) throw new CliError(`no device in profile ${dir}`, ExitCode.NotFound);
      const release = lockProfile(dir);
      try {
        await confirmDestructive(
          {
            summary: `unlink deletes the device in ${dir} for good`,
            details: `This deletes ${dir}: the device's keys, sessions and tokens are gone for good, and messages queued for it can no longer be read.`,
            question: `delete ${dir}?`,
            declined: 'not unlinked: nothing changed',
          },
          options.yes,
        );
        rmSync(dir, { recursive: true, force: true });
      } finally {
        release();
      }
      new Output(Boolean(options.json)).result(`forgot the device in ${dir}`, { unlinked: dir });
    });
