import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { IdentityKeyPair, PublicKey } from '@signalapp/libsignal-client';
import * as QRCode from 'qrcode';
import { formatLinkingCode, parseLinkingCode } from '@parley/protocol';
import {
  ProvisioningError,
  deviceListEntry,
  fromBase64,
  openProvisioningMessage,
  sealProvisioningMessage,
  signListWithDevice,
  toBase64,
} from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import { deviceAction } from '../command-action';
import { Output, plural } from '../output';
import type { Enrollment, Placement } from '../profile/enrollment';
import { checkServedDevices } from '../trust/contacts';
import { EnrollOptions, enrollAndReport, enrollArguments } from './enroll';

/** How often the new device asks whether it was approved. */
const POLL_MS = 1000;

/** Shows the linking code (and its QR code for a person), then waits for an approval in the slot. */
async function awaitApproval({ client, username, keys }: Enrollment, out: Output): Promise<{ slotId: string; message: string }> {
  const { slotId, expiresIn } = await client.openProvisioningSlot();
  const code = formatLinkingCode({ slotId, identityKey: toBase64(keys.identity.publicKey.serialize()) });
  if (out.json) {
    out.note(JSON.stringify({ event: 'linking_code', code, expiresIn }));
  } else {
    const qr = await QRCode.toString(code, { type: 'terminal', small: true });
    out.note(`${qr}\nOn a device already linked to ${username}, run:\n\n  parley link approve ${code}\n`);
    out.note(`waiting for the approval (the code expires in ${plural(Math.round(expiresIn / 60), 'minute')}; Ctrl-C to give up)…`);
  }
  const deadline = Date.now() + expiresIn * 1000;
  while (Date.now() < deadline) {
    const envelope = await client.collectProvisioningMessage(slotId);
    if (envelope) return { slotId, message: envelope.message };
    await sleep(POLL_MS);
  }
  throw new CliError('no device approved this one before the linking code expired; run `parley link` again');
}

/**
 * The approval carries the account identity, this device's id and the
 * current list: checked, then this device signs the next list with itself
 * added, as any device of the account may.
 */
async function placeApprovedDevice(enrollment: Enrollment, out: Output): Promise<Placement> {
  const { slotId, message: sealed } = await awaitApproval(enrollment, out);
  let message;
  try {
    message = openProvisioningMessage(enrollment.keys.identity.privateKey, slotId, sealed);
  } catch (error) {
    if (error instanceof ProvisioningError) throw new CliError(error.message, ExitCode.Untrusted);
    throw error;
  }
  const { deviceList, deviceId } = message;
  if (deviceList.address !== enrollment.address) {
    throw new CliError(`the approval is for ${deviceList.address}, not ${enrollment.address}`, ExitCode.Untrusted);
  }
  if (deviceList.devices.some((d) => d.deviceId === deviceId)) {
    throw new CliError(`the approval places this device as device ${deviceId}, which is taken`, ExitCode.Untrusted);
  }
  const identity = IdentityKeyPair.deserialize(fromBase64(message.accountIdentityKeyPair));
  return {
    identity,
    deviceList: signListWithDevice(identity, enrollment.address, deviceList, deviceListEntry(enrollment.keys, deviceId)),
  };
}

/**
 * Run on an existing device: checks the account's current list against the
 * pinned account identity, then seals the identity, the new device's id and
 * that list to the key in the code, and leaves it in the code's slot.
 */
const approve = () =>
  new Command('approve')
    .description('approve a new device of this account: give it the account identity (run on a device already linked)')
    .argument('<code>', 'the linking code the new device shows')
    .action(
      deviceAction(async (ctx, out, [text]) => {
        const code = parseLinkingCode(text);
        if (!code) throw new CliError('that is not a linking code (copy it whole from `parley link`)', ExitCode.Usage);
        const { deviceList, nextDeviceId } = await ctx.client.listDevices();
        await ctx.exclusive(() => checkServedDevices(ctx, ctx.profile.username, { devices: [], deviceList }));
        const sealed = sealProvisioningMessage(PublicKey.deserialize(fromBase64(code.identityKey)), code.slotId, {
          accountIdentityKeyPair: ctx.profile.accountIdentity,
          deviceId: nextDeviceId,
          deviceList: deviceList!,
        });
        await ctx.client.leaveProvisioningMessage(code.slotId, sealed);
        out.result(`approved: the new device becomes device ${nextDeviceId} of ${ctx.ownAddress} once it registers`, {
          approved: true,
          deviceId: nextDeviceId,
          slotId: code.slotId,
        });
      }),
    );

export const linkCommand = () =>
  enrollArguments(
    new Command('link').description(
      'add this profile as another device of an existing account: logs in with the password, shows a linking code, ' +
        'and waits until an existing device runs `parley link approve <code>`',
    ),
  )
    .action(async (username: string, _options: unknown, command: Command) =>
      enrollAndReport('linked', username, command.optsWithGlobals<EnrollOptions>(), placeApprovedDevice),
    )
    .addCommand(approve());
