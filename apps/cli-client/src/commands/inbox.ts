import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { toCliError } from '../cli-error';
import { formatDeliveryFailure, formatIncoming, formatOutboxProblem, formatSendReport } from '../messaging/format';
import { receiveEnvelope } from '../messaging/inbound';
import { replenishKeysIfLow } from '../messaging/key-upkeep';
import { flushOutbox, outboxSize } from '../messaging/outbox';
import { sendReceipt } from '../messaging/sender';
import type { Output } from '../output';
import type { DeviceContext } from '../profile/device-context';

/** Prints each queued `delivery:failed` notice, then acknowledges it (as for envelopes: a crash in between shows it again); returns how many. */
async function showDeliveryFailures(ctx: DeviceContext, out: Output): Promise<number> {
  let shown = 0;
  for (let more = true; more;) {
    const page = await ctx.client.listDeliveryFailures();
    for (const failure of page.failures) {
      out.result(formatDeliveryFailure(failure), { event: 'delivery:failed', ...failure });
      await ctx.client.ackDeliveryFailure(failure.id);
      shown++;
    }
    more = page.more && page.failures.length > 0;
  }
  return shown;
}

/**
 * Fetches, decrypts, prints and then acknowledges each queued message, in
 * that order: a crash before the acknowledgement redelivers the envelope,
 * which the receiver recognises as a duplicate. The outbox goes first, so
 * replies follow what was written before them. Receipts for this
 * account's messages update its history quietly; each sender then gets one
 * delivery receipt for everything of theirs that came. Then come the
 * notices of this device's sends to other servers that finally failed.
 */
export const inboxCommand = () =>
  new Command('inbox').description('receive every message queued for this device (JSON lines with --json)').action(
    deviceAction(async (ctx, out) => {
      await flushOutbox(ctx, (outcome) =>
        out.note('sent' in outcome ? formatSendReport(outcome.sent) : formatOutboxProblem(outcome, outboxSize(ctx))),
      );
      let received = 0;
      const delivered = new Map<string, number[]>();
      for (let more = true; more;) {
        const page = await ctx.client.listMessages();
        for (const envelope of page.messages) {
          const incoming = await receiveEnvelope(ctx, envelope);
          if (incoming?.kind === 'message' && !incoming.outgoing)
            delivered.set(incoming.from, [...(delivered.get(incoming.from) ?? []), incoming.timestamp]);
          if (incoming && incoming.kind !== 'receipt' && incoming.kind !== 'typing') {
            out.result(formatIncoming(incoming) ?? '', { event: incoming.kind, ...incoming });
            received++;
          }
          await ctx.client.ackMessage(envelope.id);
        }
        more = page.more && page.messages.length > 0;
      }
      received += await showDeliveryFailures(ctx, out);
      if (received === 0 && !out.json) out.note('no new messages');
      for (const [from, timestamps] of delivered) {
        await sendReceipt(ctx, from, 'delivered', timestamps).catch((error) =>
          out.note(`could not send a delivery receipt to ${from}: ${toCliError(error).message}`),
        );
      }
      await replenishKeysIfLow(ctx);
    }),
  );
