import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { DeviceBundle, ErrorCode, ListInclusion, PreKeyBundleResponse, SignedDeviceList } from '@parley/protocol';
import type { AuthenticatedDevice } from '../../auth/authenticated-user';
import { ParleyException } from '../../common/parley.exception';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { MetricsService } from '../../metrics/metrics.service';
import type { SendMessagesDto } from '../../messages/dto/send-messages.dto';
import type { SendOutcome } from '../../messages/send-outcome';
import { nextAttemptAt } from './backoff';
import { Clock } from '../../common/clock';
import { describeAnswer, FederationClient } from './federation.client';
import { OutboxRepository } from './outbox.repository';
import { CLAIM_PATH, isFinalForClient, isSuccess, MESSAGES_PATH, peerRefusal } from './peer-answers';

/** The body of POST /federation/v1/messages (RelayedFanoutDto on the receiving side). */
export interface RelayedFanout {
  transactionId: string;
  source: string;
  sourceDeviceId: number;
  destination: string;
  timestamp: number;
  online?: boolean;
  urgent?: boolean;
  messages: SendMessagesDto['messages'];
}

/**
 * The client routes' way to users on other servers (API.md section 5):
 * KeysService and MessagesService hand remote addresses here (through
 * AddressRouter, which has checked the peer), and the caller sees the
 * same statuses as for a local address.
 */
@Injectable()
export class FederationRelayService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly client: FederationClient,
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Claims bundles on the peer (consuming its one-time keys exactly as a
   * local fetch does). The peer's 404 and 429 come back as they are; an
   * unreachable peer is 503 peer_unavailable: there is nothing to queue.
   */
  async fetchRemoteBundle(
    requester: AuthenticatedDevice,
    username: string,
    domain: string,
    deviceId?: number,
  ): Promise<PreKeyBundleResponse> {
    const answer = await this.client.post(domain, CLAIM_PATH, {
      requester: `${requester.username}@${this.config.domain}`,
      username,
      ...(deviceId !== undefined && { deviceId }),
    });
    if (isSuccess(answer) && answer.reached && Array.isArray(answer.body.devices)) {
      // Passed on as the peer sent them: the requester checks the list's signature and the peer's log proof, not this server.
      const deviceList = (answer.body.deviceList ?? null) as SignedDeviceList | null;
      const transparency = (answer.body.transparency ?? null) as ListInclusion | null;
      return { address: `${username}@${domain}`, devices: answer.body.devices as DeviceBundle[], deviceList, transparency };
    }
    if (isFinalForClient(answer)) throw peerRefusal(answer);
    throw new ParleyException(
      ErrorCode.PeerUnavailable,
      `${domain} cannot be reached now (${describeAnswer(answer)}); retry later`,
      {},
      30_000,
    );
  }

  /**
   * Relays a fan-out at once when the peer answers: 200 on success, the
   * peer's 409/410/404/413/429 passed back as they are. When the peer
   * cannot be reached (no answer, timeout, 5xx, or it refuses our
   * signature) the send is written to the outbox and answered 202 only
   * once that row is committed; the outbox worker retries it. While a
   * peer has queued sends, new ones queue behind them, so nothing
   * overtakes what was accepted earlier. `online: true` sends are never
   * stored, so they are not queued either.
   */
  async relayMessages(sender: AuthenticatedDevice, username: string, domain: string, dto: SendMessagesDto): Promise<SendOutcome> {
    const payload: RelayedFanout = {
      transactionId: transactionIdFor(sender, username, domain, dto.idempotencyKey),
      source: `${sender.username}@${this.config.domain}`,
      sourceDeviceId: sender.deviceId,
      destination: username,
      timestamp: dto.timestamp,
      ...(dto.online !== undefined && { online: dto.online }),
      ...(dto.urgent !== undefined && { urgent: dto.urgent }),
      messages: dto.messages,
    };
    if (!dto.online && (await this.outbox.hasQueued(domain))) {
      return this.enqueue(sender, domain, payload, 0, 'queued behind earlier sends');
    }
    const answer = await this.client.post(domain, MESSAGES_PATH, payload);
    if (isSuccess(answer)) {
      this.metrics.federationSends.inc({ peer: domain, outcome: 'relayed' });
      return { status: 200, body: {} };
    }
    if (isFinalForClient(answer)) {
      this.metrics.federationSends.inc({ peer: domain, outcome: 'refused' });
      throw peerRefusal(answer);
    }
    if (dto.online) return { status: 200, body: {} };
    return this.enqueue(sender, domain, payload, 1, describeAnswer(answer));
  }

  private async enqueue(
    sender: AuthenticatedDevice,
    domain: string,
    payload: RelayedFanout,
    attempts: number,
    lastError: string,
  ): Promise<SendOutcome> {
    const now = this.clock.now();
    const expiresAt = now + this.config.federationRetryWindowSeconds * 1000;
    const next =
      attempts === 0 ? now : nextAttemptAt(now, expiresAt, attempts, this.config.federationRetryBaseMs, this.config.federationRetryMaxMs)!;
    await this.outbox.insertOutbox({
      transactionId: payload.transactionId,
      peer: domain,
      destination: payload.destination,
      senderAccountId: sender.accountId,
      senderDeviceId: sender.deviceId,
      clientTimestamp: payload.timestamp,
      payload,
      attempts,
      nextAttemptAt: new Date(next),
      expiresAt: new Date(expiresAt),
      lastError,
      createdAt: new Date(now),
    });
    this.metrics.federationSends.inc({ peer: domain, outcome: 'queued' });
    return { status: 202, body: {} };
  }
}

/**
 * A keyed send keeps one transaction id across retries (API.md section 3,
 * "Idempotent sends"), so the outbox holds it once and the peer's inbox
 * stores it once. The id is a hash, so it tells the peer nothing about the key.
 */
function transactionIdFor(sender: AuthenticatedDevice, username: string, domain: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const hex = createHash('sha256')
    .update(JSON.stringify([sender.accountId, sender.deviceId, username, domain, idempotencyKey]))
    .digest('hex');
  // An RFC 9562 version 8 (custom) UUID: version nibble 8, variant bits 10.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
