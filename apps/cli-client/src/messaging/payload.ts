/**
 * What travels inside the encryption; the server never sees it. `to` is set
 * only on sync copies to the sender's own devices, which otherwise could not
 * tell whom their user wrote to.
 */
export interface MessagePayload {
  text: string;
  to?: string;
}

export const encodePayload = (payload: MessagePayload): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.from(JSON.stringify({ v: 1, ...payload })));

/** Other clients may send bare text; anything that is not our JSON is shown as text. */
export function decodePayload(bytes: Uint8Array): MessagePayload {
  const raw = Buffer.from(bytes).toString('utf8');
  try {
    const parsed = JSON.parse(raw) as { v?: number; text?: unknown; to?: unknown };
    if (parsed.v === 1 && typeof parsed.text === 'string') {
      return typeof parsed.to === 'string' ? { text: parsed.text, to: parsed.to } : { text: parsed.text };
    }
  } catch {
    /* not JSON */
  }
  return { text: raw };
}
