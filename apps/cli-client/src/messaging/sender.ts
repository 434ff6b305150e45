import { ProtocolAddress } from '@signalapp/libsignal-client';
import { OutgoingMessage, SendMessagesRequest, isMismatchedDevices, isStaleDevices } from '@parley/protocol';
import { encryptMessage } from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import type { DeviceChange, DeviceContext } from '../profile/device-context';
import { recordMessage } from './history';
import { MessagePayload, ReceiptPayload, TextPayload, TypingPayload, encodePayload } from './payload';
import type { OutboxEntry } from './outbox';
import { dropSessions, dropUnlistedSessions, isOwnAccount, sessionDeviceIds, startSessions } from './peer-sessions';
import { SentEntry, rememberSent } from './sent-log';

/** Each 409/410 round fixes the device list the server named; more rounds mean devices change under us. */
const MAX_ATTEMPTS = 4;

export interface SendReport {
  to: string;
  timestamp: number;
  /** The recipient's devices that have the message queued. */
  devices: number[];
  /** This account's other devices that got a sync copy. */
  syncedDevices: number[];
  /** Why the sync copies could not be sent; the message itself was delivered. */
  syncError?: string;
  /** Devices added to or removed from a signed device list since this device last checked it. */
  deviceChanges?: DeviceChange[];
}

/**
 * Sends an outbox entry to every device of its recipient, then a sync copy
 * to this account's other devices (API.md section 3 requires one entry per
 * current device), and keeps it in the conversation's history and the sent
 * log. The entry's timestamp names the message: sent twice (a retry after
 * a lost answer), receivers drop the second. Throws UntrustedError, having
 * sent nothing, when the recipient's devices do not check out against its
 * signed device list.
 */
export function sendText(ctx: DeviceContext, entry: OutboxEntry): Promise<SendReport> {
  const { to, text, attachment, timestamp, id: sendId } = entry;
  const message: TextPayload = { kind: 'message', text, ...(attachment && { attachment }) };
  const me = ctx.profile.username;
  const withChanges = (report: SendReport): SendReport => {
    const deviceChanges = ctx.takeDeviceChanges();
    return deviceChanges.length > 0 ? { ...report, deviceChanges } : report;
  };
  return ctx.exclusive(async () => {
    ctx.takeDeviceChanges();
    const devices = await deliver(ctx, to, encodePayload(message), timestamp, { urgent: true, sendId });
    recordMessage(ctx, to, {
      timestamp,
      from: me,
      fromDeviceId: ctx.profile.deviceId,
      text,
      ...(attachment && { attachment }),
      outgoing: true,
      state: 'sent',
    });
    rememberSent(ctx, { timestamp, to, payload: message });
    await ctx.store.save();
    if (isOwnAccount(ctx, to)) return withChanges({ to, timestamp, devices, syncedDevices: [] });
    // The message is out: failing now would invite the user to send it twice.
    try {
      return withChanges({
        to,
        timestamp,
        devices,
        syncedDevices: await deliver(ctx, me, encodePayload({ ...message, to }), timestamp, {
          urgent: true,
          sendId: `${sendId}-sync`,
        }),
      });
    } catch (error) {
      const syncError = error instanceof Error ? error.message : String(error);
      return withChanges({ to, timestamp, devices, syncedDevices: [], syncError });
    }
  });
}

/**
 * Sends a message of the sent log again, with its original timestamp, to
 * every device of `requester`'s account (the one that asked is among
 * them; the others recognise it by its timestamp and drop it). A request
 * from this account's own device gets the sync copy.
 */
export function resend(ctx: DeviceContext, sent: SentEntry, requester: string): Promise<number[]> {
  const payload: MessagePayload = isOwnAccount(ctx, requester) ? { ...sent.payload, to: sent.to } : sent.payload;
  return ctx.exclusive(() => deliver(ctx, requester, encodePayload(payload), sent.timestamp));
}

interface DeliverOptions extends Pick<SendMessagesRequest, 'urgent' | 'online'> {
  /** One id per outbox entry (and its sync copy) for its whole life, whatever the retries. */
  sendId?: string;
}

/**
 * The one place a send's stable id meets the wire, as its idempotency key
 * (API.md section 3): a retry after a lost answer, or after a crash while
 * the entry was still in the outbox, is answered as the first send was
 * instead of storing the message twice. Without an id the SDK picks a key.
 */
const sendRequest = (timestamp: number, { sendId, ...flags }: DeliverOptions, messages: OutgoingMessage[]): SendMessagesRequest => ({
  timestamp,
  ...flags,
  ...(sendId !== undefined && { idempotencyKey: sendId }),
  messages,
});

/**
 * Tells every device of `to` that this device decrypted (or showed) the
 * messages `to` sent at `timestamps`. Receipts themselves get none.
 */
export function sendReceipt(ctx: DeviceContext, to: string, receipt: ReceiptPayload['receipt'], timestamps: number[]): Promise<void> {
  const payload = encodePayload({ kind: 'receipt', receipt, timestamps });
  return ctx.exclusive(async () => void (await deliver(ctx, to, payload, Date.now(), { urgent: false })));
}

/**
 * Tells the connected devices of `to` that this person is typing, or
 * stopped: `online`, so the server stores nothing. Only over sessions that
 * exist; typing is not worth a one-time key.
 */
export function sendTyping(ctx: DeviceContext, to: string, typing: TypingPayload['typing']): Promise<void> {
  return ctx.exclusive(async () => {
    if (sessionDeviceIds(ctx, to).length === 0) return;
    await deliver(ctx, to, encodePayload({ kind: 'typing', typing }), Date.now(), { urgent: false, online: true });
  });
}

/**
 * Encrypts for the devices we have sessions with and lets the server correct
 * the list: on 409 sessions with missing devices are started and those with
 * extra devices dropped; on 410 the stale ones are dropped and started anew
 * (the device was re-registered with new keys). Nothing was stored on 409 or
 * 410, so the retry cannot duplicate a message. Only devices on the newest
 * checked signed list are encrypted to, whatever the server answers.
 */
async function deliver(
  ctx: DeviceContext,
  address: string,
  plaintext: Uint8Array<ArrayBuffer>,
  timestamp: number,
  options: DeliverOptions = { urgent: true },
) {
  for (let attempt = 1; ; attempt++) {
    const checked = await dropUnlistedSessions(ctx, address);
    if (!checked || sessionDeviceIds(ctx, address).length === 0) await startSessions(ctx, address);
    const deviceIds = sessionDeviceIds(ctx, address);
    if (deviceIds.length === 0) {
      if (isOwnAccount(ctx, address)) return [];
      throw new CliError(`${address} has no devices to send to`, ExitCode.NotFound);
    }
    const messages: OutgoingMessage[] = [];
    for (const id of deviceIds) {
      const remote = ProtocolAddress.new(address, id);
      const session = await ctx.store.sessions.getSession(remote);
      messages.push(await encryptMessage(ctx.store, ctx.localAddress, remote, plaintext, session!.remoteRegistrationId()));
    }
    try {
      await ctx.client.sendMessages(address, sendRequest(timestamp, options, messages));
      return deviceIds;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS) throw error;
      if (isMismatchedDevices(error)) {
        await dropSessions(ctx, address, error.body.extraDevices);
        if (error.body.missingDevices.length) await startSessions(ctx, address, error.body.missingDevices);
      } else if (isStaleDevices(error)) {
        await dropSessions(ctx, address, error.body.staleDevices);
        await startSessions(ctx, address, error.body.staleDevices);
      } else {
        throw error;
      }
    }
  }
}
