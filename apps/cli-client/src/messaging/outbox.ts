import { randomUUID } from 'node:crypto';
import { AttachmentPointer, ParleyApiError } from '@parley/protocol';
import { CliError, ExitCode, toCliError } from '../cli-error';
import type { DeviceContext } from '../profile/device-context';
import { peerAddress } from './peer-address';
import { SendReport, sendText } from './sender';

/** A message written but not yet accepted by the server, kept in the encrypted profile until it is. */
export interface OutboxEntry {
  /** Stable for the entry's whole life: the server's idempotent send will know a retry by it. */
  id: string;
  /** The recipient (peerAddress). */
  to: string;
  text: string;
  /** An attachment already uploaded (uploads need the server: a file is never queued unsent). */
  attachment?: AttachmentPointer;
  /** When it was written; it goes out with this timestamp however late, so receivers can tell a retry. */
  timestamp: number;
}

/** What became of one entry: sent, kept for later (the server is out of reach), or refused for good and dropped. */
export type OutboxOutcome =
  { entry: OutboxEntry; sent: SendReport } | { entry: OutboxEntry; kept: CliError } | { entry: OutboxEntry; dropped: CliError };

/** Worth trying again later: the server or the network is down, or busy, or the list not witnessed yet. */
function isTransient(error: unknown): boolean {
  if (error instanceof ParleyApiError) return error.status >= 500 || error.status === 429;
  const { exitCode, code } = toCliError(error);
  // Witnesses cosign within seconds: a later try finds the list witnessed.
  return exitCode === ExitCode.Unreachable || code === 'key_log_not_witnessed';
}

/** Adds a message to the end of the outbox and saves it, before any attempt to send it. */
export function enqueue(ctx: DeviceContext, recipient: string, text: string, attachment?: AttachmentPointer): Promise<OutboxEntry> {
  const entry: OutboxEntry = {
    id: randomUUID(),
    to: peerAddress(ctx, recipient),
    text,
    ...(attachment && { attachment }),
    timestamp: Date.now(),
  };
  return ctx.exclusive(async () => {
    ctx.profile.outbox = [...(ctx.profile.outbox ?? []), entry];
    await ctx.store.save();
    return entry;
  });
}

export const outboxSize = (ctx: DeviceContext) => ctx.profile.outbox?.length ?? 0;

/**
 * Sends the outbox oldest first, so messages arrive in the order written,
 * reporting each outcome. Stops at the first entry the server cannot be
 * reached for, keeping it and everything after it. An entry refused for
 * good (no such user, an untrusted device list) is dropped: retrying would
 * not change the answer. Callers run one flush at a time.
 */
export async function flushOutbox(ctx: DeviceContext, report: (outcome: OutboxOutcome) => void): Promise<void> {
  for (let entry = ctx.profile.outbox?.[0]; entry; entry = ctx.profile.outbox?.[0]) {
    let outcome: OutboxOutcome;
    try {
      outcome = { entry, sent: await sendText(ctx, entry) };
    } catch (error) {
      if (isTransient(error)) return report({ entry, kept: toCliError(error) });
      outcome = { entry, dropped: toCliError(error) };
    }
    await ctx.exclusive(async () => {
      ctx.profile.outbox = ctx.profile.outbox?.filter((queued) => queued.id !== entry.id);
      await ctx.store.save();
    });
    report(outcome);
  }
}
