import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { Clock } from '../common/clock';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { DeliveryBus } from '../delivery/delivery-bus';
import { AddressRouter } from '../federation/outbound/address-router';
import { FederationRelayService } from '../federation/outbound/federation-relay.service';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { MetricsService } from '../metrics/metrics.service';
import { WakeUpService } from '../push/wake-up.service';
import { findDeviceMismatch } from './device-mismatch';
import { PLAINTEXT_CONTENT_TYPE, SendMessagesDto } from './dto/send-messages.dto';
import { toQueuedEnvelope } from './envelope';
import { EnvelopeStore, FanoutStored } from './envelope-store';
import type { FanoutClaim, NewEnvelope, TransactionClaim } from './idempotency';
import type { Destination } from './messages.repository';
import { QueueBound } from './queue-bound';
import type { SendOutcome } from './send-outcome';

/** Who a fan-out is from, as the recipient's server names them. */
export interface FanoutSource {
  address: string;
  deviceId: number;
  accountId?: string;
  /** A peer's fan-out: the transaction it came in, stored at most once. */
  transaction?: TransactionClaim;
}

/** `duplicate`: a retry of a fan-out stored before, so nothing was stored or signalled now. */
export type FanoutAccepted = 'accepted' | 'duplicate';

/** PostgreSQL: an envelope's destination device no longer exists. */
const FOREIGN_KEY_VIOLATION = '23503';
/** Retry-After of a refusal by a queue bound: a queue shrinks only as its device fetches it. */
const QUEUE_RETRY_AFTER_MS = 60_000;

@Injectable()
export class MessagesService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly store: EnvelopeStore,
    private readonly queueBound: QueueBound,
    private readonly bus: DeliveryBus,
    private readonly router: AddressRouter,
    private readonly remote: FederationRelayService,
    private readonly limits: RateLimiterService,
    private readonly metrics: MetricsService,
    private readonly wakeUps: WakeUpService,
    private readonly clock: Clock,
  ) {}

  /** PUT /v1/messages/:address and the socket `send` event. */
  async sendMessages(sender: AuthenticatedDevice, address: string, dto: SendMessagesDto): Promise<SendOutcome> {
    await this.limits.enforce('messageSend', `${sender.accountId}.${sender.deviceId}`);
    return this.router.dispatch<SendOutcome>(address, {
      local: async (username) => {
        await this.acceptFanout({ address: sender.username, deviceId: sender.deviceId, accountId: sender.accountId }, username, dto);
        return { status: 200, body: {} };
      },
      remote: (username, domain) => this.remote.relayMessages(sender, username, domain, dto),
    });
  }

  /**
   * The one gate for fan-outs to local accounts, from local senders and
   * federated peers alike. The DTO has checked each message (no device
   * addressed twice, contents within 256 KiB); this checks the
   * destination's devices (404, 409 mismatched_devices, 410 stale_devices),
   * the sender's rate towards this recipient (429 rate_limited) and the
   * queue bounds (429 queue_full, or queue_share_full when the sender's own
   * envelopes fill its share of a device's queue), stores one envelope per
   * device all or nothing, then signals each device and, off the request
   * path, wakes those that are not connected (push/wake-up.service.ts). On any refusal
   * nothing is stored. A fan-out under a claim that was stored before is
   * answered as accepted and stores nothing.
   */
  async acceptFanout(source: FanoutSource, username: string, dto: SendMessagesDto): Promise<FanoutAccepted> {
    const destination = await this.store.findDestination(username);
    if (!destination) throw new ParleyException(ErrorCode.UnknownAddress, `unknown address ${username}`);
    const claim = fanoutClaim(source, destination, dto);
    // A retry is answered as the first send was, even if the devices changed since.
    if (claim && (await this.store.isClaimed(claim))) return 'duplicate';
    await this.checkFanout(source, destination, dto);
    const stored = this.metrics.fanoutStoreSeconds.startTimer();
    const records = this.envelopesFor(source, destination, dto);
    const seqs = dto.online ? null : await this.storeFanout(source, destination, username, dto, records, claim);
    if (seqs === 'duplicate') return seqs;
    this.metrics.envelopesAccepted.inc(records.length);
    const unheard = await this.signalFanout(records, seqs);
    // Stored envelopes only: an `online` send reaches connected devices or nobody.
    if (seqs && unheard.length) this.wakeUps.wake(unheard, dto.urgent !== false);
    stored();
    return 'accepted';
  }

  private async checkFanout(source: FanoutSource, destination: Destination, dto: SendMessagesDto): Promise<void> {
    checkDevices(destination, dto, senderDeviceIn(source, destination));
    const sender = boundedSender(source, destination);
    if (sender !== null) await this.limits.enforce('messageSendPerRecipient', `${sender}/${destination.accountId}`);
    if (dto.online) return;
    const refusal = await this.queueBound.findRefusal(
      destination.accountId,
      dto.messages.map((m) => m.destinationDeviceId),
      sender,
    );
    if (refusal?.bound === 'queue') {
      throw new ParleyException(
        ErrorCode.QueueFull,
        `the queue of device ${refusal.deviceId} is full; retry later`,
        {},
        QUEUE_RETRY_AFTER_MS,
      );
    }
    if (refusal) {
      throw new ParleyException(
        ErrorCode.QueueShareFull,
        `your envelopes fill your share of the queue of device ${refusal.deviceId}; retry once it has fetched them`,
        {},
        QUEUE_RETRY_AFTER_MS,
      );
    }
  }

  private envelopesFor(source: FanoutSource, destination: Destination, dto: SendMessagesDto): NewEnvelope[] {
    const now = this.clock.now();
    return dto.messages.map((m) => ({
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
  }

  /** Stores the fan-out; a device removed since the check answers as the check would now (409). */
  private async storeFanout(
    source: FanoutSource,
    destination: Destination,
    username: string,
    dto: SendMessagesDto,
    records: NewEnvelope[],
    claim: FanoutClaim | undefined,
  ): Promise<FanoutStored> {
    try {
      const seqs = await this.store.storeFanout(records, claim);
      if (seqs === 'duplicate') return seqs;
      this.queueBound.noteStored(
        destination.accountId,
        records.map((r) => r.deviceId),
        boundedSender(source, destination),
      );
      return seqs;
    } catch (error) {
      if ((error as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw error;
      const now = await this.store.findDestination(username);
      if (!now) throw new ParleyException(ErrorCode.UnknownAddress, `unknown address ${username}`);
      checkDevices(now, dto, senderDeviceIn(source, now));
      throw new ParleyException(ErrorCode.MismatchedDevices, 'the devices changed during the send', {
        missingDevices: [],
        extraDevices: [],
      });
    }
  }

  /**
   * Signalled before the sender hears 200, so a sender's next message
   * cannot overtake this one. Returns the envelopes whose signal no process
   * took: only their devices may need a wake-up, so a device with a socket
   * costs the push check nothing.
   */
  private async signalFanout(records: NewEnvelope[], seqs: Map<string, string> | null): Promise<NewEnvelope[]> {
    const taken = await Promise.all(
      records.map((r) =>
        this.bus.publish(r.accountId, r.deviceId, {
          kind: 'envelope',
          queued: toQueuedEnvelope({ ...r, seq: seqs?.get(r.id) ?? '0' }, seqs !== null),
        }),
      ),
    );
    return records.filter((_, i) => !taken[i]);
  }
}

/** A sync copy to the sender's own account does not address the sending device. */
const senderDeviceIn = (source: FanoutSource, destination: Destination) =>
  source.accountId === destination.accountId ? source.deviceId : undefined;

/**
 * Whom a fan-out counts against in the per-sender bounds (the share of a
 * queue, the rate towards one recipient): the sender's address, which for a
 * remote sender is its full `user@domain`. Null for a sync copy to the
 * sender's own devices: an account cannot silence itself, and a linked
 * device long offline may rightly hold more sync copies than any share.
 */
const boundedSender = (source: FanoutSource, destination: Destination) =>
  source.accountId === destination.accountId ? null : source.address;

/**
 * What a retry of this fan-out is recognised by: a peer's transaction, or a
 * local sender's idempotency key. None for `online` fan-outs: they are not
 * stored, so there is no commit for a claim to join.
 */
function fanoutClaim(source: FanoutSource, destination: Destination, dto: SendMessagesDto): FanoutClaim | undefined {
  if (dto.online) return undefined;
  if (source.transaction) return source.transaction;
  if (!dto.idempotencyKey || !source.accountId) return undefined;
  return {
    senderAccountId: source.accountId,
    senderDeviceId: source.deviceId,
    destinationAccountId: destination.accountId,
    key: dto.idempotencyKey,
  };
}

/**
 * A retry request (API.md section 3): one PlaintextContent addressed to one
 * device, the device whose message failed to decrypt. It goes to that
 * device alone, so only that device must exist and match.
 */
const isRetryRequest = (dto: SendMessagesDto) => dto.messages.length === 1 && dto.messages[0].type === PLAINTEXT_CONTENT_TYPE;

/** Throws 409 mismatched_devices or 410 stale_devices unless the fan-out addresses exactly the current devices. */
function checkDevices(destination: Destination, dto: SendMessagesDto, senderDeviceId: number | undefined) {
  const required = isRetryRequest(dto)
    ? destination.devices.filter((d) => d.deviceId === dto.messages[0].destinationDeviceId)
    : destination.devices;
  const mismatch = findDeviceMismatch(required, dto.messages, senderDeviceId);
  if (mismatch && (mismatch.missingDevices.length || mismatch.extraDevices.length)) {
    throw new ParleyException(ErrorCode.MismatchedDevices, 'the message list does not match the current devices', {
      missingDevices: mismatch.missingDevices,
      extraDevices: mismatch.extraDevices,
    });
  }
  if (mismatch) {
    throw new ParleyException(ErrorCode.StaleDevices, 'registration ids do not match the current devices', {
      staleDevices: mismatch.staleDevices,
    });
  }
}
