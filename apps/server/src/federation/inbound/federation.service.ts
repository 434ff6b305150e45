import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import { crashPoint } from '../../common/crash-point';
import { ParleyException } from '../../common/parley.exception';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { ClaimedBundle, KeysService } from '../../keys/keys.service';
import { RateLimiterService } from '../../limits/rate-limiter.service';
import { MessagesService } from '../../messages/messages.service';
import { MetricsService } from '../../metrics/metrics.service';
import { ClaimKeysDto, RelayedFanoutDto } from './dto/federation.dto';
import { InboxRepository } from './inbox.repository';
import { ServerKeyService } from '../outbound/server-key.service';

/**
 * What peers may ask of this server, once FederationSignatureGuard has
 * established which peer is asking. Each call ends in the same local
 * entry point a local client uses (KeysService.claimBundle,
 * MessagesService.acceptFanout), so local and remote callers get the same
 * guarantees and the same 404/409/410/429.
 */
@Injectable()
export class FederationService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly serverKey: ServerKeyService,
    private readonly keys: KeysService,
    private readonly messages: MessagesService,
    private readonly inbox: InboxRepository,
    private readonly limits: RateLimiterService,
    private readonly metrics: MetricsService,
  ) {}

  publication() {
    return this.serverKey.publication();
  }

  /**
   * Bundles of a local user for a remote requester, consuming one-time keys
   * exactly as a local fetch does; throttled per (requester, target) pair
   * as a local fetch is, per remote requester (federationKeyFetch), and per
   * (peer domain, target), so that cycling requester names drains nothing.
   */
  async claimKeys(origin: string, dto: ClaimKeysDto): Promise<ClaimedBundle> {
    requireOwnUser(origin, dto.requester);
    await this.limits.enforce('keyFetchPerTarget', `${dto.requester}>${dto.username}`);
    await this.limits.enforce('peerKeyFetchPerTarget', `${origin}>${dto.username}`);
    await this.limits.enforce('federationKeyFetch', `${origin}/${dto.requester}`);
    return this.keys.claimBundle(dto.username, dto.deviceId);
  }

  /**
   * Stores a relayed fan-out at most once per (origin, transactionId).
   *
   * acceptFanout writes through the batched EnvelopeStore, outside any
   * transaction of ours, so the inbox row cannot commit atomically with
   * the envelopes (STYLE.md 12 asks for that; this is the nearest honest
   * version). Instead the inbox row is claimed first (pending), the
   * envelopes are stored, and the row is marked done. A redelivery of a
   * done transaction is answered 200 and stores nothing; one that finds
   * it pending is told 503 and retried later. A refused or failed fan-out
   * releases its claim, so nothing was stored and nothing is remembered.
   * The remaining window: if this process dies after the envelopes commit
   * but before the row is marked done, the pending row is taken over after
   * a minute and the retry stores the envelopes a second time. Recipients'
   * libsignal sessions reject the duplicate ciphertext, so the user sees it
   * once.
   */
  async receiveFanout(origin: string, dto: RelayedFanoutDto): Promise<Record<string, never>> {
    requireOwnUser(origin, dto.source);
    const claim = await this.inbox.claimInbox(origin, dto.transactionId);
    if (claim === 'done') {
      this.metrics.federationInbound.inc({ outcome: 'duplicate' });
      return {};
    }
    if (claim === 'busy') {
      throw new ParleyException(ErrorCode.PeerUnavailable, 'this transaction is being stored by another request; retry later', {}, 5_000);
    }
    crashPoint(this.config, 'relayed-fanout-received');
    try {
      await this.messages.acceptFanout({ address: dto.source, deviceId: dto.sourceDeviceId }, dto.destination, dto);
    } catch (error) {
      await this.inbox.releaseInbox(origin, dto.transactionId).catch(() => undefined);
      throw error;
    }
    crashPoint(this.config, 'relayed-fanout-stored');
    await this.inbox.finishInbox(origin, dto.transactionId);
    this.metrics.federationInbound.inc({ outcome: 'accepted' });
    return {};
  }
}

/** A peer speaks only for users of its own domain (API.md section 5): 403 otherwise. */
function requireOwnUser(origin: string, address: string) {
  if (address.slice(address.indexOf('@') + 1) !== origin) {
    throw new ParleyException(ErrorCode.Forbidden, `${origin} may only speak for users @${origin}, not ${address}`);
  }
}
