import type { DeviceContext } from '../profile/device-context';
import type { TextPayload } from './payload';

/** A message this device sent, kept so that a recipient device that could not decrypt it can have it again. */
export interface SentEntry {
  timestamp: number;
  /** The recipient (peerAddress). */
  to: string;
  payload: TextPayload;
}

/** A retry request for anything older or further back is answered with a new session but no resend. */
const SENT_LOG_LIMIT = 200;
const SENT_LOG_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Remembers a sent message and forgets the ones past the limits. The caller saves. */
export function rememberSent(ctx: DeviceContext, entry: SentEntry): void {
  const oldest = Date.now() - SENT_LOG_MAX_AGE_MS;
  const log = (ctx.profile.sentLog ?? []).filter((sent) => sent.timestamp >= oldest);
  log.push(entry);
  ctx.profile.sentLog = log.slice(-SENT_LOG_LIMIT);
}

export const findSent = (ctx: DeviceContext, timestamp: number): SentEntry | undefined =>
  ctx.profile.sentLog?.find((sent) => sent.timestamp === timestamp);
