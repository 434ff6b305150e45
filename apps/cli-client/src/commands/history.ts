import { Command, InvalidArgumentError } from 'commander';
import { deviceAction } from '../command-action';
import { formatHistoryEntry } from '../messaging/format';
import { findMessages } from '../messaging/history';
import { peerAddress } from '../messaging/peer-address';
import { parseRecipient } from './recipient';

interface HistoryOptions {
  search?: string;
  limit: number;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('expected a positive whole number');
  return limit;
}

/** Reads the conversation kept in the encrypted profile; asks the server nothing. */
export const historyCommand = () =>
  new Command('history')
    .description('show the conversation with <user> kept on this device, oldest first, with the state of what you sent')
    .argument('<user>', 'the other person', parseRecipient)
    .option('--search <text>', 'only messages containing <text> (any case)')
    .option('--limit <n>', 'at most the newest <n> messages', parseLimit, 50)
    .action(
      deviceAction<HistoryOptions>(async (ctx, out, [user], options) => {
        const peer = peerAddress(ctx, user);
        const messages = findMessages(ctx, peer, options);
        for (const entry of messages) out.result(formatHistoryEntry(entry, peer), entry);
        if (messages.length === 0 && !out.json)
          out.note(options.search ? `no messages with ${peer} contain "${options.search}"` : `no messages with ${peer} yet`);
      }),
    );
