import { Command, InvalidArgumentError } from 'commander';
import { signListWithoutDevice } from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import { deviceAction } from '../command-action';
import { dropSessions } from '../messaging/peer-sessions';
import { checkServedDevices } from '../trust/contacts';

/** Validates the argument; it stays a string like every other argument handed to deviceAction. */
function parseDeviceId(value: string): string {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1 || id > 127) throw new InvalidArgumentError('a device id is an integer 1..127');
  return value;
}

const listDevices = () =>
  new Command('list').description("list this account's devices (* marks this one)").action(
    deviceAction(async (ctx, out) => {
      const { devices, deviceList } = await ctx.client.listDevices();
      await ctx.exclusive(() => checkServedDevices(ctx, ctx.profile.username, { devices: [], deviceList }));
      const lines = devices.map((d) => {
        const mark = d.deviceId === ctx.profile.deviceId ? '*' : ' ';
        const signed = deviceList!.devices.some((e) => e.deviceId === d.deviceId) ? '' : '  ! not on the signed device list';
        return `${mark} ${String(d.deviceId).padStart(3)}  ${d.name}  (created ${d.createdAt}, last seen ${d.lastSeenAt ?? 'never'})${signed}`;
      });
      lines.push(`signed device list version ${deviceList!.version}`);
      out.result(lines.join('\n'), { devices, thisDevice: ctx.profile.deviceId, deviceList });
    }),
  );

const removeDevice = () =>
  new Command('remove')
    .description(
      'remove a device of this account (signs the device list without it): its keys, queued messages and tokens are gone at once',
    )
    .argument('<deviceId>', 'the id shown by `parley devices`', parseDeviceId)
    .action(
      deviceAction(async (ctx, out, [deviceIdText]) => {
        const deviceId = Number(deviceIdText);
        if (deviceId === ctx.profile.deviceId) {
          throw new CliError('that is this device; remove it from another device of the account', ExitCode.Usage);
        }
        const { username } = ctx.profile;
        const { deviceList } = await ctx.client.listDevices();
        await ctx.exclusive(() => checkServedDevices(ctx, username, { devices: [], deviceList }));
        if (!deviceList!.devices.some((d) => d.deviceId === deviceId)) {
          throw new CliError(`device ${deviceId} is not on this account's device list`, ExitCode.NotFound);
        }
        const next = signListWithoutDevice(ctx.accountIdentity, deviceList!, deviceId);
        await ctx.client.removeDevice(deviceId, next);
        await ctx.exclusive(async () => {
          await checkServedDevices(ctx, username, { devices: [], deviceList: next });
          await dropSessions(ctx, username, [deviceId]);
        });
        out.result(`removed device ${deviceId}`, { removed: deviceId });
      }),
    );

export const devicesCommand = () =>
  new Command('devices')
    .description("list or remove this account's devices")
    .addCommand(listDevices(), { isDefault: true })
    .addCommand(removeDevice());
