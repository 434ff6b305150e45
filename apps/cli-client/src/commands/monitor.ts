import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { plural } from '../output';
import { monitorAccount } from '../trust/monitor';

const STATUS = {
  known: 'signed by this account, seen by this device',
  unseen: "signed by this account's identity, not seen by this device",
  before: 'before this device joined',
};

/**
 * Checks this account in the key log (trust/monitor.ts): every leaf since
 * the last run, a line per leaf of this account. An alarm (a list none of
 * the account's devices signed, a fork) exits 9.
 */
export const monitorCommand = () =>
  new Command('monitor')
    .description(
      "check the server's key log for this account: the log must stay consistent, and every device list it records for " +
        'this account must be one its devices signed (exit 9 otherwise)',
    )
    .action(
      deviceAction(async (ctx, out) => {
        const report = await monitorAccount(ctx);
        for (const leaf of report.ownLeaves) {
          out.result(`leaf ${leaf.index}: ${ctx.ownAddress} device list version ${leaf.version}, ${STATUS[leaf.status]}`, leaf);
        }
        const summary = `key log consistent at ${plural(report.treeSize, 'leaf', 'leaves')}; read ${report.scanned} new, nothing unknown for ${ctx.ownAddress}`;
        if (out.json) out.result(summary, report);
        else out.result(summary, null);
      }),
    );
