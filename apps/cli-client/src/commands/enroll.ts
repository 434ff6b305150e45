import { hostname } from 'node:os';
import { Command } from 'commander';
import { Limits } from '@parley/protocol';
import { deviceListEntry, generateAccountIdentity, signListWithDevice } from '@parley/crypto';
import { Output } from '../output';
import type { DeviceContext, GlobalOptions } from '../profile/device-context';
import { Enrollment, Placement, enrollDevice } from '../profile/enrollment';
import { profileDirectory } from '../profile/profile-location';

const defaultDeviceName = () => `parley cli on ${hostname()}`.slice(0, Limits.deviceNameMaxLength);

export type EnrollOptions = GlobalOptions & { name: string };

/** The arguments `register` and `link` share. */
export const enrollArguments = (command: Command) =>
  command
    .argument('<username>', 'the account name, e.g. alice')
    .option('--name <device-name>', 'a name for this device, shown by `parley devices`', defaultDeviceName());

/**
 * Enrolls this profile as a device of `username`; `place` supplies the
 * account identity and the signed list, and `settle` does what the new
 * device must do next (its result joins the --json output).
 */
export async function enrollAndReport(
  verb: 'registered' | 'linked' | 'reset' | 'restored',
  username: string,
  options: EnrollOptions,
  place: (enrollment: Enrollment, out: Output) => Promise<Placement>,
  settle?: (ctx: DeviceContext, out: Output) => Promise<object>,
): Promise<void> {
  const out = new Output(Boolean(options.json));
  const ctx = await enrollDevice(options, { username, deviceName: options.name, createAccount: verb === 'registered' }, (e) =>
    place(e, out),
  );
  try {
    const settled = await settle?.(ctx, out);
    const { deviceId, server } = ctx.profile;
    const profile = profileDirectory(options.profile);
    out.result(`${verb} ${username} on ${server}: this profile is device ${deviceId} (${profile})`, {
      username,
      deviceId,
      server,
      profile,
      address: ctx.ownAddress,
      ...settled,
    });
  } finally {
    await ctx.close();
  }
}

/** The first device creates the account identity and signs list version 1, naming itself as device 1. */
async function placeFirstDevice({ address, keys }: Enrollment): Promise<Placement> {
  const identity = generateAccountIdentity();
  return { identity, deviceList: signListWithDevice(identity, address, null, deviceListEntry(keys, 1)) };
}

export const registerCommand = () =>
  enrollArguments(
    new Command('register').description(
      'create an account and its account identity, and make this profile its first device (password from PARLEY_PASSWORD or a prompt)',
    ),
  ).action(async (username: string, _options: unknown, command: Command) =>
    enrollAndReport('registered', username, command.optsWithGlobals<EnrollOptions>(), placeFirstDevice),
  );
