import { CiphertextMessageType, ErrorCode as SignalErrorCode, LibSignalErrorBase, ProtocolAddress } from '@signalapp/libsignal-client';
import type { AttachmentPointer, Envelope } from '@parley/protocol';
import { RetryRequest, decodeRetryRequest, decryptMessage } from '@parley/crypto';
import type { DeviceContext } from '../profile/device-context';
import { HistoryEntry, advanceDelivery, hasMessage, recordMessage } from './history';
import { ReceiptPayload, TypingPayload, decodePayload } from './payload';
import { peerAddress } from './peer-address';

interface Received {
  id: string;
  from: string;
  fromDeviceId: number;
  timestamp: number;
  serverTimestamp: number;
}

/** A decrypted message; `outgoing` marks a sync copy of what this account sent from another device. */
export interface ReceivedMessage extends Received {
  kind: 'message';
  conversation: string;
  outgoing: boolean;
  text: string;
  attachment?: AttachmentPointer;
  /** Where the attachment was saved, or why it could not be (messaging/inbound.ts). */
  savedAs?: string;
  attachmentError?: string;
}

/** An envelope that will never decrypt; `resendRequested` says whether its sender was asked for it again. */
export interface UndecryptableMessage extends Received {
  kind: 'undecryptable';
  reason: string;
  resendRequested?: boolean;
}

/** A device that could not decrypt something this device sent asks for it again. */
export interface ResendRequest extends Received {
  kind: 'resend-request';
  request: RetryRequest;
  /** Whether the message asked for was sent again (it may be too old, or not this device's). */
  resent?: boolean;
}

/** Receipts for messages this account sent; `messages` are those whose state moved on. */
export interface ReceivedReceipt extends Received {
  kind: 'receipt';
  receipt: ReceiptPayload['receipt'];
  messages: HistoryEntry[];
}

export interface ReceivedTyping extends Received {
  kind: 'typing';
  typing: TypingPayload['typing'];
}

export type Incoming = ReceivedMessage | UndecryptableMessage | ResendRequest | ReceivedReceipt | ReceivedTyping;

/**
 * Decrypts one envelope and records a message in the conversation's
 * history. Returns null for a message seen before: delivery is at least
 * once (API.md section 3), so an envelope decrypted before a crash comes
 * again (its message key is used up), and a message resent after a retry
 * request reaches every device of the account, also those that had it.
 * A message that cannot be decrypted is reported, not thrown.
 */
export function openEnvelope(ctx: DeviceContext, envelope: Envelope): Promise<Incoming | null> {
  const from = peerAddress(ctx, envelope.source);
  const received: Received = {
    id: envelope.id,
    from,
    fromDeviceId: envelope.sourceDeviceId,
    timestamp: envelope.timestamp,
    serverTimestamp: envelope.serverTimestamp,
  };
  return ctx.exclusive(async () => {
    if (envelope.type === CiphertextMessageType.Plaintext) return readPlaintext(received, envelope.content);
    try {
      const remote = ProtocolAddress.new(from, envelope.sourceDeviceId);
      const payload = decodePayload(await decryptMessage(ctx.store, ctx.localAddress, remote, envelope.type, envelope.content));
      if (payload.kind === 'typing') return { kind: 'typing', ...received, typing: payload.typing };
      if (payload.kind === 'receipt') {
        const messages = advanceDelivery(ctx, from, payload.timestamps, payload.receipt);
        await ctx.store.save();
        return { kind: 'receipt', ...received, receipt: payload.receipt, messages };
      }
      const outgoing = from === ctx.profile.username;
      const conversation = outgoing && payload.to ? peerAddress(ctx, payload.to) : from;
      if (hasMessage(ctx, conversation, from, envelope.timestamp)) return null;
      recordMessage(ctx, conversation, {
        timestamp: envelope.timestamp,
        from,
        fromDeviceId: envelope.sourceDeviceId,
        text: payload.text,
        ...(payload.attachment && { attachment: payload.attachment }),
        outgoing,
      });
      await ctx.store.save();
      return {
        kind: 'message',
        ...received,
        conversation,
        outgoing,
        text: payload.text,
        ...(payload.attachment && { attachment: payload.attachment }),
      };
    } catch (error) {
      if (error instanceof LibSignalErrorBase && error.code === SignalErrorCode.DuplicatedMessage) return null;
      return { kind: 'undecryptable', ...received, reason: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** The only unencrypted content a client sends is a retry request (CiphertextMessageType.Plaintext). */
function readPlaintext(received: Received, content: string): Incoming {
  try {
    return { kind: 'resend-request', ...received, request: decodeRetryRequest(content) };
  } catch (error) {
    return { kind: 'undecryptable', ...received, reason: error instanceof Error ? error.message : String(error) };
  }
}
