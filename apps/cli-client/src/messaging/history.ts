import type { AttachmentPointer } from '@parley/protocol';
import type { DeviceContext } from '../profile/device-context';
import { contactRecord } from '../trust/contacts';

/** How far a sent message got: the home server took it, a device of the recipient decrypted it, or showed it. */
export type DeliveryState = 'sent' | 'delivered' | 'read';

/** One message of a conversation, as kept in the encrypted profile. */
export interface HistoryEntry {
  /** The sender's timestamp: with `from`, what names a message across devices and resends. */
  timestamp: number;
  /** The sender's address (peerAddress); this account's own username for messages it sent. */
  from: string;
  fromDeviceId: number;
  text: string;
  /** A file sent with the message; `savedAs` where this device stored it, once downloaded. */
  attachment?: AttachmentPointer & { savedAs?: string };
  outgoing: boolean;
  /** Outgoing messages only. */
  state?: DeliveryState;
}

/** Per conversation; the oldest go first. Enough to scroll back, small enough to rewrite the profile on each message. */
export const CONVERSATION_LIMIT = 500;

export const conversationOf = (ctx: DeviceContext, peer: string): HistoryEntry[] => ctx.profile.history?.[peer] ?? [];

/** Whether the message `from` sent at `timestamp` is already in the conversation: a resend, or a copy seen before. */
export const hasMessage = (ctx: DeviceContext, peer: string, from: string, timestamp: number): boolean =>
  conversationOf(ctx, peer).some((entry) => entry.from === from && entry.timestamp === timestamp);

/** Adds a message to `peer`'s conversation, keeping it in timestamp order and within CONVERSATION_LIMIT. The caller saves. */
export function recordMessage(ctx: DeviceContext, peer: string, entry: HistoryEntry): void {
  const history = (ctx.profile.history ??= {});
  const conversation = (history[peer] ??= []);
  let at = conversation.length;
  while (at > 0 && conversation[at - 1].timestamp > entry.timestamp) at--;
  conversation.splice(at, 0, entry);
  conversation.splice(0, Math.max(0, conversation.length - CONVERSATION_LIMIT));
}

/** Notes where this device saved the attachment of the message `from` sent at `timestamp`. The caller saves. */
export function noteSavedAttachment(ctx: DeviceContext, peer: string, from: string, timestamp: number, savedAs: string): void {
  const entry = conversationOf(ctx, peer).find((e) => e.from === from && e.timestamp === timestamp);
  if (entry?.attachment) entry.attachment.savedAs = savedAs;
}

const STATE_ORDER: DeliveryState[] = ['sent', 'delivered', 'read'];

/**
 * Moves this account's messages to `peer` with these timestamps on to
 * `state` (never back: a late delivery receipt after a read one changes
 * nothing). Returns the messages that moved. The caller saves.
 */
export function advanceDelivery(ctx: DeviceContext, peer: string, timestamps: number[], state: DeliveryState): HistoryEntry[] {
  const rank = STATE_ORDER.indexOf(state);
  return conversationOf(ctx, peer).filter((entry) => {
    if (!entry.outgoing || !timestamps.includes(entry.timestamp) || STATE_ORDER.indexOf(entry.state ?? 'sent') >= rank) return false;
    entry.state = state;
    return true;
  });
}

/** The newest `limit` messages of a conversation (those containing `search`, any case, when given), oldest first. */
export function findMessages(ctx: DeviceContext, peer: string, { search, limit }: { search?: string; limit: number }): HistoryEntry[] {
  const needle = search?.toLowerCase();
  const found = conversationOf(ctx, peer).filter((entry) => !needle || entry.text.toLowerCase().includes(needle));
  return found.slice(-limit);
}

/**
 * Whether `peer` is someone this account wrote to (from any of its
 * devices) or verified; anyone else writing is a message request. A pinned
 * contact record alone does not count: a delivery receipt pins one.
 */
export const isKnownPeer = (ctx: DeviceContext, peer: string): boolean =>
  conversationOf(ctx, peer).some((entry) => entry.outgoing) || Boolean(contactRecord(ctx, peer)?.verified);
