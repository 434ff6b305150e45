import { Command, InvalidArgumentError } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import { deviceAction } from '../command-action';
import { dropSessions } from '../messaging/peer-sessions';

/** Validates the argument; it stays a string like every other argument handed to deviceAction. */
function parseDeviceId(value: string): string {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1 || id > 127) throw new InvalidArgumentError('a device id is an integer 1..127');
  return value;
}

const listDevices = () =>
  new Command('list').description("list this account's devices (* marks this one)").action(
    deviceAction(async (ctx, out) => {
      const { devices } = await ctx.client.listDevices();
      const lines = devices.map((d) => {
        const mark = d.deviceId === ctx.profile.deviceId ? '*' : ' ';
        return `${mark} ${String(d.deviceId).padStart(3)}  ${d.name}  (created ${d.createdAt}, last seen ${d.lastSeenAt ?? 'never'})`;
      });
      out.result(lines.join('\n'), { devices, thisDevice: ctx.profile.deviceId });
    }),
  );

const removeDevice = () =>
  new Command('remove')
    .description('remove a device of this account: its keys, queued messages and tokens are gone at once')
    .argument('<deviceId>', 'the id shown by `parley devices`', parseDeviceId)
    .action(
      deviceAction(async (ctx, out, [deviceIdText]) => {
        const deviceId = Number(deviceIdText);
        if (deviceId === ctx.profile.deviceId) {
          throw new CliError('that is this device; remove it from another device of the account', ExitCode.Usage);
        }
        await ctx.client.removeDevice(deviceId);
        await ctx.exclusive(() => dropSessions(ctx, ctx.profile.username, [deviceId]));
        out.result(`removed device ${deviceId}`, { removed: deviceId });
      }),
    );

export const devicesCommand = () =>
  new Command('devices')
    .description("list or remove this account's devices")
    .addCommand(listDevices(), { isDefault: true })
    .addCommand(removeDevice());
