import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { formatIncoming } from '../messaging/format';
import { receiveEnvelope } from '../messaging/inbound';
import { replenishKeysIfLow } from '../messaging/key-upkeep';

/**
 * Fetches, decrypts, prints and then acknowledges each queued message, in
 * that order: a crash before the acknowledgement redelivers the envelope,
 * which the receiver recognises as a duplicate.
 */
export const inboxCommand = () =>
  new Command('inbox').description('receive every message queued for this device (JSON lines with --json)').action(
    deviceAction(async (ctx, out) => {
      let received = 0;
      for (let more = true; more;) {
        const page = await ctx.client.listMessages();
        for (const envelope of page.messages) {
          const incoming = await receiveEnvelope(ctx, envelope);
          if (incoming) out.result(formatIncoming(incoming), incoming);
          await ctx.client.ackMessage(envelope.id);
          if (incoming) received++;
        }
        more = page.more && page.messages.length > 0;
      }
      if (received === 0 && !out.json) out.note('no new messages');
      await replenishKeysIfLow(ctx);
    }),
  );
