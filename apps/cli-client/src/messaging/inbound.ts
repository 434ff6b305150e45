import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Envelope } from '@parley/protocol';
import { toCliError } from '../cli-error';
import type { DeviceContext } from '../profile/device-context';
import { downloadAttachment } from './attachments';
import { noteSavedAttachment } from './history';
import { Incoming, ReceivedMessage, openEnvelope } from './receiver';
import { answerResendRequest, requestResend } from './retry';

/**
 * Everything a received envelope calls for before it is acknowledged:
 * decrypt and record it, or keep it and ask for it again when it will not
 * decrypt, or resend what another device asks for. Returns what to show;
 * null for a message seen before.
 */
export async function receiveEnvelope(ctx: DeviceContext, envelope: Envelope): Promise<Incoming | null> {
  const incoming = await openEnvelope(ctx, envelope);
  if (incoming?.kind === 'undecryptable') {
    return { ...incoming, resendRequested: await requestResend(ctx, incoming.from, envelope, incoming.reason) };
  }
  if (incoming?.kind === 'resend-request') {
    return { ...incoming, resent: await answerResendRequest(ctx, incoming).catch(() => false) };
  }
  if (incoming?.kind === 'message' && incoming.attachment) return saveAttachment(ctx, incoming);
  return incoming;
}

/** Where received files go: `downloads` in the profile's directory. */
export const downloadsDirectory = (ctx: DeviceContext) => join(ctx.location.dir, 'downloads');

/**
 * Downloads a message's attachment (digest, tag and size checked before
 * anything is written) and notes where it was saved in the history. A
 * failed download is reported with the message; the message is kept.
 */
async function saveAttachment(ctx: DeviceContext, message: ReceivedMessage): Promise<ReceivedMessage> {
  try {
    const dir = downloadsDirectory(ctx);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const savedAs = await downloadAttachment(ctx, message.attachment!, dir);
    await ctx.exclusive(async () => {
      noteSavedAttachment(ctx, message.conversation, message.from, message.timestamp, savedAs);
      await ctx.store.save();
    });
    return { ...message, savedAs };
  } catch (error) {
    return { ...message, attachmentError: toCliError(error).message };
  }
}
