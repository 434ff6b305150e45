import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { numbered } from '../output';
import { pinnedContact, safetyNumberWith } from '../trust/safety';
import { parseRecipient } from './recipient';

/**
 * The account safety number: one number per pair of accounts, over their
 * account identity keys, taken from the newest signed device list this
 * device has checked (so adding or removing devices does not change it).
 * The other person runs `parley fingerprint <you>` and sees the same digits.
 */
export const fingerprintCommand = () =>
  new Command('fingerprint')
    .description("show the safety number between your account and <user>'s, and whether you verified it")
    .argument('<user>', 'the other person', parseRecipient)
    .action(
      deviceAction(async (ctx, out, [user]) => {
        const record = await pinnedContact(ctx, user);
        const { address, verified, listVersion } = record;
        const safetyNumber = safetyNumberWith(ctx, address, record.accountIdentityKey);
        const devices = record.devices.map((d) => d.deviceId);
        const pending = record.pendingIdentityKey ? safetyNumberWith(ctx, address, record.pendingIdentityKey) : undefined;
        const lines = [
          `safety number between you (${ctx.ownAddress}) and ${address}:`,
          `  ${safetyNumber}`,
          `${numbered('device', devices)} (signed device list version ${listVersion})`,
          verified ? 'verified: yes' : `verified: no (compare it with ${user}, then run \`parley verify ${user} --confirm\`)`,
          ...(pending
            ? [`! ${address}'s account identity changed; new safety number:`, `  ${pending}`, `  run \`parley trust ${user}\``]
            : []),
        ];
        out.result(lines.join('\n'), {
          user,
          address,
          safetyNumber,
          verified,
          listVersion,
          devices,
          ...(pending ? { identityChanged: true, newSafetyNumber: pending } : {}),
        });
      }),
    );
