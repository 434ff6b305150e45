import { AttachmentPointer, parseAddress, parseAttachmentPointer } from '@parley/protocol';

/**
 * What travels inside the encryption; the server never sees it. `to` is set
 * only on sync copies to the sender's own devices, which otherwise could not
 * tell whom their user wrote to. `attachment` points to an encrypted file
 * on the server, with the key to open it (docs/API.md section 7).
 */
export interface TextPayload {
  kind: 'message';
  text: string;
  to?: string;
  attachment?: AttachmentPointer;
}

/** A recipient device acknowledges messages (by their timestamps) it decrypted, or showed its user. */
export interface ReceiptPayload {
  kind: 'receipt';
  receipt: 'delivered' | 'read';
  timestamps: number[];
}

/** Ephemeral: sent with `online: true`, never stored, never acknowledged. */
export interface TypingPayload {
  kind: 'typing';
  typing: 'started' | 'stopped';
}

export type MessagePayload = TextPayload | ReceiptPayload | TypingPayload;

export const encodePayload = (payload: MessagePayload): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.from(JSON.stringify({ v: 1, ...payload })));

const isTimestamps = (value: unknown): value is number[] => Array.isArray(value) && value.every((t) => Number.isSafeInteger(t));

/**
 * Reads a payload; version 1 payloads without a kind are messages, and a
 * `to` that is not an address is left out. Other clients may send bare
 * text: anything that is not our JSON is shown as text.
 */
export function decodePayload(bytes: Uint8Array): MessagePayload {
  const raw = Buffer.from(bytes).toString('utf8');
  let parsed: Record<string, unknown> | null = null;
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  if (parsed?.v !== 1) return { kind: 'message', text: raw };
  const { kind, text, to, receipt, timestamps, typing, attachment } = parsed;
  if (kind === 'receipt' && (receipt === 'delivered' || receipt === 'read') && isTimestamps(timestamps)) {
    return { kind, receipt, timestamps };
  }
  if (kind === 'typing' && (typing === 'started' || typing === 'stopped')) return { kind, typing };
  if ((kind === undefined || kind === 'message') && typeof text === 'string') {
    const pointer = parseAttachmentPointer(attachment);
    return {
      kind: 'message',
      text,
      ...(typeof to === 'string' && parseAddress(to) && { to }),
      ...(pointer && { attachment: pointer }),
    };
  }
  return { kind: 'message', text: raw };
}
