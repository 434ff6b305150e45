import { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import { deviceAction } from '../command-action';
import { dropSessions } from '../messaging/peer-sessions';
import { contactAddress, contactRecord, contactTrust } from '../trust/contacts';
import { confirm, pinnedContact, safetyNumberWith } from '../trust/safety';
import { parseRecipient } from './recipient';

/**
 * Accepts a changed account identity: sending stays blocked until then.
 * Sessions with the contact's devices are dropped, so the next send fetches
 * bundles and checks them against a list signed by the new identity.
 */
export const trustCommand = () =>
  new Command('trust')
    .description("accept <user>'s changed account identity after showing the new safety number (sending is blocked until then)")
    .argument('<user>', 'the other person', parseRecipient)
    .action(
      deviceAction(async (ctx, out, [user]) => {
        const address = contactAddress(ctx, user);
        const record = contactRecord(ctx, user);
        if (!record?.pendingIdentityKey) {
          throw new CliError(`${address}'s account identity has not changed: there is nothing to accept`, ExitCode.NotFound);
        }
        const safetyNumber = safetyNumberWith(ctx, address, record.pendingIdentityKey);
        await ctx.exclusive(async () => {
          await contactTrust(ctx).acceptIdentity(address);
          await dropSessions(ctx, user, ctx.store.sessions.deviceIds(user));
        });
        out.result(
          `accepted ${address}'s new account identity; the new safety number is\n  ${safetyNumber}\n` +
            `compare it with ${user} and run \`parley verify ${user} --confirm\``,
          { address, safetyNumber, accepted: true },
        );
      }),
    );

/** Shows the account safety number and, once the person confirms it matches, marks the contact verified. */
export const verifyCommand = () =>
  new Command('verify')
    .description("show the safety number of your and <user>'s accounts; mark <user> verified with --confirm (or a yes at the prompt)")
    .argument('<user>', 'the other person', parseRecipient)
    .option('--confirm', 'you compared the number with <user> (in person, or on a call) and it matches')
    .action(
      deviceAction<{ confirm?: boolean }>(async (ctx, out, [user], options) => {
        const record = await pinnedContact(ctx, user);
        const { address } = record;
        if (record.pendingIdentityKey) {
          throw new CliError(`${address}'s account identity changed; run \`parley trust ${user}\` first`, ExitCode.Untrusted);
        }
        const safetyNumber = safetyNumberWith(ctx, address, record.accountIdentityKey);
        if (!options.confirm && !out.json) out.note(`safety number between you and ${address}:\n  ${safetyNumber}`);
        const confirmed = options.confirm || (!out.json && (await confirm(`does ${user} see the same number?`)));
        if (confirmed) await ctx.exclusive(() => contactTrust(ctx).markVerified(address));
        const verified = confirmed || record.verified;
        const human = confirmed
          ? `${address} is verified: safety number ${safetyNumber}`
          : `${address} is ${verified ? '' : 'not '}verified; once the numbers match, run \`parley verify ${user} --confirm\``;
        out.result(human, { address, safetyNumber, verified });
      }),
    );
