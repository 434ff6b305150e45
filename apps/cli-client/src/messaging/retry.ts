import { CiphertextMessageType, ProtocolAddress } from '@signalapp/libsignal-client';
import type { Envelope } from '@parley/protocol';
import { archiveSession, encodeRetryRequest } from '@parley/crypto';
import type { DeviceContext } from '../profile/device-context';
import { contactRecord } from '../trust/contacts';
import { startSessions } from './peer-sessions';
import type { ResendRequest } from './receiver';
import { resend } from './sender';
import { findSent } from './sent-log';

/** An envelope that would not decrypt, kept in the profile instead of being lost with its acknowledgement. */
export interface KeptEnvelope {
  envelope: Envelope;
  reason: string;
  keptAt: number;
}

/** The newest undecryptable envelopes kept; older ones were asked for again long ago. */
const KEPT_LIMIT = 50;

/**
 * Keeps an envelope that would not decrypt and asks the one device that
 * sent it for the message again (Signal's retry receipt), unencrypted as
 * CiphertextMessageType.Plaintext: the session it would need is the
 * broken one. Returns whether the request went out.
 */
export function requestResend(ctx: DeviceContext, from: string, envelope: Envelope, reason: string): Promise<boolean> {
  return ctx
    .exclusive(async () => {
      ctx.profile.undecryptable = [...(ctx.profile.undecryptable ?? []), { envelope, reason, keptAt: Date.now() }].slice(-KEPT_LIMIT);
      await ctx.store.save();
      if (envelope.type !== CiphertextMessageType.PreKey && envelope.type !== CiphertextMessageType.Whisper) return false;
      const registrationId = await registrationIdOf(ctx, from, envelope.sourceDeviceId);
      const content = encodeRetryRequest(envelope);
      const message = {
        destinationDeviceId: envelope.sourceDeviceId,
        destinationRegistrationId: registrationId,
        type: CiphertextMessageType.Plaintext,
        content,
      };
      await ctx.client.sendMessages(from, { timestamp: Date.now(), urgent: false, messages: [message] });
      return true;
    })
    .catch(() => false);
}

/** The device's registration id from the session with it, else from its account's signed device list, else its bundle. */
async function registrationIdOf(ctx: DeviceContext, address: string, deviceId: number): Promise<number> {
  const session = await ctx.store.sessions.getSession(ProtocolAddress.new(address, deviceId));
  if (session?.hasCurrentState()) return session.remoteRegistrationId();
  const listed = contactRecord(ctx, address)?.devices.find((device) => device.deviceId === deviceId);
  if (listed) return listed.registrationId;
  const bundle = await ctx.client.fetchBundles(address, deviceId);
  return bundle.devices[0].registrationId;
}

/**
 * Answers a retry request: archives the session with the asking device and
 * starts a new one (checked against its account's signed device list), then
 * resends the message with its original timestamp, if this device still
 * holds it and the asking account was one it went to. Returns whether it
 * was resent.
 */
export async function answerResendRequest(ctx: DeviceContext, request: ResendRequest): Promise<boolean> {
  if (request.request.originalSenderDeviceId !== ctx.profile.deviceId) return false;
  const remote = ProtocolAddress.new(request.from, request.fromDeviceId);
  await ctx.exclusive(async () => {
    await archiveSession(ctx.store.sessions, remote);
    await startSessions(ctx, request.from, [request.fromDeviceId]);
  });
  const sent = findSent(ctx, request.request.timestamp);
  if (!sent || (sent.to !== request.from && request.from !== ctx.profile.username)) return false;
  await resend(ctx, sent, request.from);
  return true;
}
