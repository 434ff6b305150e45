import { hostname } from 'node:os';
import { Command } from 'commander';
import { Limits } from '@parley/protocol';
import { Output } from '../output';
import { GlobalOptions, enrollDevice } from '../profile/device-context';
import { profileDirectory } from '../profile/profile-location';

const defaultDeviceName = () => `parley cli on ${hostname()}`.slice(0, Limits.deviceNameMaxLength);

/** `register` and `link` differ only in whether the account is created first. */
function enrollCommand(name: string, description: string, createAccount: boolean): Command {
  return new Command(name)
    .description(description)
    .argument('<username>', 'the account name, e.g. alice')
    .option('--name <device-name>', 'a name for this device, shown by `parley devices`', defaultDeviceName())
    .action(async (username: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { name: string }>();
      const ctx = await enrollDevice(options, { username, deviceName: options.name, createAccount });
      try {
        const { deviceId, server } = ctx.profile;
        const profile = profileDirectory(options.profile);
        new Output(Boolean(options.json)).result(
          `${createAccount ? 'registered' : 'linked'} ${username} on ${server}: this profile is device ${deviceId} (${profile})`,
          { username, deviceId, server, profile },
        );
      } finally {
        await ctx.close();
      }
    });
}

export const registerCommand = () =>
  enrollCommand('register', 'create an account, and make this profile its first device (password from PARLEY_PASSWORD or a prompt)', true);

export const linkCommand = () =>
  enrollCommand('link', 'add this profile as another device of an existing account (logs in with the password)', false);
