import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ErrorCode, Limits, MessageListResponse } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { AddressResolver } from '../keys/address-resolver';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryBus } from './delivery-bus';
import { findDeviceMismatch } from './device-mismatch';
import { OutgoingMessageDto, SendMessagesDto } from './dto/send-messages.dto';
import { EnvelopeRecord, toQueuedEnvelope } from './envelope';
import { EnvelopeStore } from './envelope-store';
import { Destination, MessagesRepository } from './messages.repository';
import { QueueBound } from './queue-bound';
import { REMOTE_MESSAGE_RELAY, RemoteMessageRelay, SendOutcome } from './remote-message-relay';

/** Who a fan-out is from, as the recipient's server names them. */
export interface FanoutSource { address: string; deviceId: number; accountId?: string }

const QUEUE_PAGE = 100;
/** PostgreSQL: an envelope's destination device no longer exists. */
const FOREIGN_KEY_VIOLATION = '23503';

/** Decoded size of a base64 string without decoding it. */
const decodedLength = (base64: string) => Math.floor((base64.length * 3) / 4) - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);

@Injectable()
export class MessagesService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly messages: MessagesRepository,
    private readonly store: EnvelopeStore,
    private readonly queueBound: QueueBound,
    private readonly bus: DeliveryBus,
    private readonly addresses: AddressResolver,
    private readonly limits: RateLimiterService,
    private readonly metrics: MetricsService,
    @Optional() @Inject(REMOTE_MESSAGE_RELAY) private readonly remote: RemoteMessageRelay | null,
  ) {}

  /** PUT /v1/messages/:address and the socket `send` event. */
  async sendMessages(sender: AuthenticatedDevice, address: string, dto: SendMessagesDto): Promise<SendOutcome> {
    await this.limits.enforce('messageSend', `${sender.accountId}.${sender.deviceId}`);
    checkMessageList(dto.messages);
    const target = this.addresses.parse(address);
    if (target.domain !== null) {
      if (!this.remote) throw ParleyException.notFound(ErrorCode.UnknownAddress, `unknown address ${address}`);
      return this.remote.relayMessages(sender, target.username, target.domain, dto);
    }
    const source = { address: sender.username, deviceId: sender.deviceId, accountId: sender.accountId };
    await this.acceptFanout(source, target.username, dto);
    return { status: 200, body: {} };
  }

  /**
   * Checks a fan-out against the destination's current devices and stores
   * one envelope per device, all or nothing, then signals each device.
   * The one entry point for local senders and federated peers alike.
   * Throws 404, 409 mismatched_devices, 410 stale_devices or 429 queue_full;
   * on any of them nothing is stored.
   */
  async acceptFanout(source: FanoutSource, username: string, dto: SendMessagesDto): Promise<void> {
    const destination = await this.store.findDestination(username);
    if (!destination) throw ParleyException.notFound(ErrorCode.UnknownAddress, `unknown address ${username}`);
    const senderDeviceId = source.accountId === destination.accountId ? source.deviceId : undefined;
    checkDevices(destination, dto, senderDeviceId);
    const addressed = dto.messages.map((m) => m.destinationDeviceId);
    const [full] = dto.online ? [] : await this.queueBound.findFullDevices(destination.accountId, addressed);
    if (full !== undefined) {
      throw new ParleyException(429, ErrorCode.QueueFull, `the queue of device ${full} is full; retry later`, {}, 60_000);
    }

    const now = Date.now();
    const stored = this.metrics.fanoutStoreSeconds.startTimer();
    const records: Omit<EnvelopeRecord, 'seq'>[] = dto.messages.map((m) => ({
      id: randomUUID(),
      accountId: destination.accountId,
      deviceId: m.destinationDeviceId,
      source: source.address,
      sourceDeviceId: source.deviceId,
      type: m.type,
      content: Buffer.from(m.content, 'base64'),
      timestamp: dto.timestamp,
      serverTimestamp: now,
      expiresAt: new Date(now + this.config.messageTtlSeconds * 1000),
    }));
    const seqs = dto.online ? null : await this.store.storeFanout(records).catch(async (error) => {
      if ((error as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw error;
      // A destination device was removed between the check and the insert: answer as the check would now (409).
      const now = await this.store.findDestination(username);
      if (!now) throw ParleyException.notFound(ErrorCode.UnknownAddress, `unknown address ${username}`);
      checkDevices(now, dto, senderDeviceId);
      throw ParleyException.conflict(ErrorCode.MismatchedDevices, 'the devices changed during the send', { missingDevices: [], extraDevices: [] });
    });
    if (seqs) this.queueBound.noteStored(destination.accountId, addressed);
    this.metrics.envelopesAccepted.inc(records.length);
    // Signalled before the sender hears 200, so a sender's next message cannot overtake this one.
    await Promise.all(records.map((r) => this.bus.publish(r.accountId, r.deviceId, {
      kind: 'envelope',
      queued: toQueuedEnvelope({ ...r, seq: seqs?.get(r.id) ?? '0' }, seqs !== null),
    })));
    stored();
  }

  /** GET /v1/messages: the oldest queued envelopes of this device, without removing them. */
  async listQueue(device: AuthenticatedDevice): Promise<MessageListResponse> {
    const page = await this.messages.pageQueue(device.accountId, device.deviceId, 0, QUEUE_PAGE + 1);
    return { messages: page.slice(0, QUEUE_PAGE).map((r) => toQueuedEnvelope(r).envelope), more: page.length > QUEUE_PAGE };
  }

  /** DELETE /v1/messages/:id: idempotent; only the owning device's envelopes are touched. */
  async acknowledge(device: AuthenticatedDevice, id: string): Promise<void> {
    await this.messages.deleteDeviceEnvelope(device.accountId, device.deviceId, id);
  }
}

/** Throws 409 mismatched_devices or 410 stale_devices unless the fan-out addresses exactly the current devices. */
function checkDevices(destination: Destination, dto: SendMessagesDto, senderDeviceId: number | undefined) {
  const mismatch = findDeviceMismatch(destination.devices, dto.messages, senderDeviceId);
  if (mismatch && (mismatch.missingDevices.length || mismatch.extraDevices.length)) {
    throw ParleyException.conflict(ErrorCode.MismatchedDevices, 'the message list does not match the current devices',
      { missingDevices: mismatch.missingDevices, extraDevices: mismatch.extraDevices });
  }
  if (mismatch) {
    throw new ParleyException(410, ErrorCode.StaleDevices, 'registration ids do not match the current devices',
      { staleDevices: mismatch.staleDevices });
  }
}

/** Rejects duplicate destinations (400) and oversized contents (413) before anything else happens. */
function checkMessageList(messages: OutgoingMessageDto[]) {
  const seen = new Set<number>();
  for (const m of messages) {
    if (seen.has(m.destinationDeviceId)) {
      throw ParleyException.badRequest(ErrorCode.ValidationFailed, `device ${m.destinationDeviceId} is addressed twice`);
    }
    seen.add(m.destinationDeviceId);
    if (decodedLength(m.content) > Limits.maxContentBytes) {
      throw ParleyException.tooLarge(ErrorCode.PayloadTooLarge, 'a message content exceeds 256 KiB');
    }
  }
}
