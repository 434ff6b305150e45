import { CHAT_HELP, ChatInput } from '../messaging/chat-input';
import { formatHistoryEntry } from '../messaging/format';
import { findMessages } from '../messaging/history';
import type { DeviceContext } from '../profile/device-context';
import { contactTrust } from '../trust/contacts';
import { pinnedContact, safetyNumberWith } from '../trust/safety';

/** Shows a line above the input; `data` is its --json form. */
export type Show = (human: string, data: unknown) => void;

const DEFAULT_HISTORY = 20;

/** Runs a chat command that only shows things (or marks a contact verified); never sends a message. */
export async function runChatCommand(
  ctx: DeviceContext,
  peer: string,
  input: Extract<ChatInput, { kind: 'history' | 'fingerprint' | 'verify' | 'help' }>,
  show: Show,
): Promise<void> {
  switch (input.kind) {
    case 'help':
      return CHAT_HELP.forEach((line) => show(`· ${line}`, { event: 'help', text: line }));
    case 'history': {
      const messages = findMessages(ctx, peer, { limit: input.limit ?? DEFAULT_HISTORY });
      if (messages.length === 0) show(`· no messages with ${peer} yet`, { event: 'history', messages });
      return messages.forEach((entry) => show(formatHistoryEntry(entry, peer), { event: 'history', ...entry }));
    }
    case 'fingerprint':
    case 'verify': {
      const record = await pinnedContact(ctx, peer);
      const safetyNumber = safetyNumberWith(ctx, record.address, record.pendingIdentityKey ?? record.accountIdentityKey);
      show(`· safety number with ${record.address}: ${safetyNumber}`, { event: 'fingerprint', address: record.address, safetyNumber });
      if (record.pendingIdentityKey)
        return show(`! ${record.address}'s account identity changed; run \`parley trust ${peer}\``, {
          event: 'fingerprint',
          identityChanged: true,
        });
      if (input.kind === 'verify' && input.confirm) {
        await ctx.exclusive(() => contactTrust(ctx).markVerified(record.address));
        return show(`· ${record.address} is verified`, { event: 'verified', address: record.address });
      }
      const next = record.verified ? 'verified: yes' : `verified: no; once ${peer} sees the same number, type /verify confirm`;
      show(`· ${next}`, { event: 'fingerprint', verified: record.verified });
    }
  }
}
