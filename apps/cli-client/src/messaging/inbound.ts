import type { Envelope } from '@parley/protocol';
import type { DeviceContext } from '../profile/device-context';
import { Incoming, openEnvelope } from './receiver';
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
  return incoming;
}
