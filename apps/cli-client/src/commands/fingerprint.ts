import { Command } from 'commander';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { safetyNumber } from '@parley/crypto';
import { deviceAction } from '../command-action';
import { CliError, ExitCode } from '../cli-error';
import { sessionDeviceIds, startSessions } from '../messaging/peer-sessions';
import { parseRecipient } from './recipient';

/**
 * Every Parley device has its own identity key, so a safety number belongs
 * to a pair of devices: this one and each device of <user>. The other person
 * runs `parley fingerprint <you>` on their device and sees the same digits
 * for this device.
 */
export const fingerprintCommand = () =>
  new Command('fingerprint')
    .description('show the safety numbers between this device and each device of <user>, to compare in person')
    .argument('<user>', 'the other person', parseRecipient)
    .action(
      deviceAction(async (ctx, out, [user]) => {
        const numbers = await ctx.exclusive(async () => {
          if (sessionDeviceIds(ctx, user).length === 0) await startSessions(ctx, user);
          const local = { username: ctx.profile.username, identityKey: ctx.store.identityKeyPair.publicKey };
          return Promise.all(
            sessionDeviceIds(ctx, user).map(async (deviceId) => {
              const identityKey = await ctx.store.identities.getIdentity(ProtocolAddress.new(user, deviceId));
              return { deviceId, safetyNumber: safetyNumber(local, { username: user, identityKey: identityKey! }) };
            }),
          );
        });
        if (numbers.length === 0) throw new CliError(`${user} has no other devices`, ExitCode.NotFound);
        const lines = numbers.map((n) => `  ${user} device ${n.deviceId}: ${n.safetyNumber}`);
        out.result(`safety numbers between your device ${ctx.profile.deviceId} and ${user}'s devices:\n${lines.join('\n')}`, {
          user,
          localDeviceId: ctx.profile.deviceId,
          devices: numbers,
        });
      }),
    );
