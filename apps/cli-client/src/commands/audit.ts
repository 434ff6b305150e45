import { Command } from 'commander';
import { checkAuditLog, fetchAuditLog } from '../audit/audit-check';
import { formatAuditEntry } from '../audit/describe';
import { CliError, ExitCode } from '../cli-error';
import { deviceAction } from '../command-action';
import { plural } from '../output';

/**
 * Prints the account's security log and checks its hash chain. The newest
 * verified entry is remembered in the profile; a later history without it,
 * or with it changed, was rewritten (exit 7, like any other server lie
 * the client refuses).
 */
export const auditCommand = () =>
  new Command('audit')
    .description(
      "show this account's security log (logins, failed logins, device changes, resets, …), verify its hash chain, " +
        'and check that entries verified before are unchanged',
    )
    .action(
      deviceAction(async (ctx, out) => {
        const entries = await fetchAuditLog(ctx.client);
        const verdict = checkAuditLog(entries, ctx.profile.auditHead);
        for (const entry of entries) out.result(formatAuditEntry(entry), entry);
        if (!verdict.ok) {
          throw new CliError(
            `the audit log does not verify: it breaks at entry ${verdict.brokenAt} (${verdict.reason}); the server changed this account's history`,
            ExitCode.Untrusted,
          );
        }
        // Saved when the profile closes.
        if (verdict.head) ctx.profile.auditHead = verdict.head;
        const summary = `chain verified: ${plural(entries.length, 'entry', 'entries')}${verdict.head ? `, newest ${verdict.head.seq}` : ''}`;
        if (out.json) out.note(summary);
        else out.result(summary, null);
      }),
    );
