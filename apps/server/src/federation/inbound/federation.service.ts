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
import { ServerKeyDocument, ServerKeyService } from '../outbound/server-key.service';

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
    private readonly limits: RateLimiterService,
    private readonly metrics: MetricsService,
  ) {}

  publication(): ServerKeyDocument {
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
   * Stores a relayed fan-out exactly once per (origin, transactionId), as
   * long as the peer retries until it hears an answer. The transaction is
   * the fan-out's claim: acceptFanout records it in federation_inbox in the
   * statement that stores the envelopes (MessagesRepository.insertFanouts,
   * batched like every fan-out), so the record and the envelopes commit
   * together (STYLE.md 12) and nothing is written before. A process that dies before that
   * commit leaves nothing behind, and the retry stores the fan-out; one that
   * dies after it leaves both, and the retry is answered 200 and stores
   * nothing. A redelivery while the first attempt is still storing waits
   * for that commit and then stores nothing. A refused or failed fan-out
   * commits nothing, so nothing is remembered and a corrected retry is
   * stored.
   */
  async receiveFanout(origin: string, dto: RelayedFanoutDto): Promise<Record<string, never>> {
    requireOwnUser(origin, dto.source);
    crashPoint(this.config, 'relayed-fanout-received');
    const source = { address: dto.source, deviceId: dto.sourceDeviceId, transaction: { origin, transactionId: dto.transactionId } };
    const outcome = await this.messages.acceptFanout(source, dto.destination, dto);
    crashPoint(this.config, 'relayed-fanout-stored');
    this.metrics.federationInbound.inc({ outcome });
    return {};
  }
}

/** A peer speaks only for users of its own domain (API.md section 5): 403 otherwise. */
function requireOwnUser(origin: string, address: string) {
  if (address.slice(address.indexOf('@') + 1) !== origin) {
    throw new ParleyException(ErrorCode.Forbidden, `${origin} may only speak for users @${origin}, not ${address}`);
  }
}
