import { ErrorCode as SignalErrorCode, LibSignalErrorBase, ProtocolAddress } from '@signalapp/libsignal-client';
import type { Envelope } from '@parley/protocol';
import { decryptMessage } from '@parley/crypto';
import type { DeviceContext } from '../profile/device-context';
import { decodePayload } from './payload';
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
}

export interface UndecryptableMessage extends Received {
  kind: 'undecryptable';
  reason: string;
}

export type Incoming = ReceivedMessage | UndecryptableMessage;

/**
 * Decrypts one envelope. Returns null for a duplicate: delivery is at least
 * once (API.md section 3), so an envelope decrypted before a crash and not
 * yet acknowledged comes again, and its message key is already used up.
 * A message that cannot be decrypted is reported, not thrown: it will never
 * decrypt later, and must be acknowledged so the queue moves on.
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
    try {
      const remote = ProtocolAddress.new(from, envelope.sourceDeviceId);
      const payload = decodePayload(await decryptMessage(ctx.store, ctx.localAddress, remote, envelope.type, envelope.content));
      const outgoing = from === ctx.profile.username;
      return {
        kind: 'message',
        ...received,
        conversation: outgoing && payload.to ? peerAddress(ctx, payload.to) : from,
        outgoing,
        text: payload.text,
      };
    } catch (error) {
      if (error instanceof LibSignalErrorBase && error.code === SignalErrorCode.DuplicatedMessage) return null;
      return { kind: 'undecryptable', ...received, reason: error instanceof Error ? error.message : String(error) };
    }
  });
}
