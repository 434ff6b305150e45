import { Inject, Injectable } from '@nestjs/common';
import { CheckpointResponse, ConsistencyProofResponse, ErrorCode } from '@parley/protocol';
import { ed25519VerifierKey, keyLogOriginOf, rawPublicKey } from '@parley/transparency';
import { Clock } from '../common/clock';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { describeAnswer, FederationClient, PeerAnswer } from '../federation/outbound/federation.client';
import { isFinalForClient, isSuccess, peerRefusal } from '../federation/outbound/peer-answers';
import { PeerDirectory } from '../federation/outbound/peer-directory.service';
import { KeyLogService } from './key-log.service';
import { WitnessService } from './witness.service';

/** A peer's checkpoint answer is reused this long, so a burst of clients checking one peer's lists costs the peer one request. */
const PEER_CHECKPOINT_CACHE_MS = 1_000;

/**
 * Any federated server's key log, as a client of this server sees it
 * (GET /v1/transparency/logs/:domain/…, API.md section 8): this server's
 * own, or a peer's relayed from the peer's public routes. A peer's
 * answer is passed on as the peer signed it, with one thing this server
 * adds: the log's verifier key, made from the peer's federation key this
 * server pinned (configured or learned on first contact), never from the
 * peer's answer. Clients check the signature and consistency themselves;
 * this server does not vouch for the peer's log, it only names its key.
 */
@Injectable()
export class PeerKeyLogsService {
  private readonly checkpoints = new Map<string, { until: number; answer: Promise<CheckpointResponse> }>();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly keyLog: KeyLogService,
    private readonly peers: PeerDirectory,
    private readonly federation: FederationClient,
    private readonly witness: WitnessService,
    private readonly clock: Clock,
  ) {}

  /** 404 unknown_peer for a server this one does not federate with; 503 peer_unavailable when the peer gives no checkpoint. */
  checkpoint(domain: string): Promise<CheckpointResponse> {
    if (this.isHome(domain)) return this.keyLog.latestCheckpoint();
    this.peers.require(domain);
    const now = this.clock.now();
    const cached = this.checkpoints.get(domain);
    if (cached && cached.until > now) return cached.answer;
    const answer = this.fetchPeerCheckpoint(domain);
    this.checkpoints.set(domain, { until: now + PEER_CHECKPOINT_CACHE_MS, answer });
    answer.catch(() => this.checkpoints.delete(domain));
    return answer;
  }

  /** The peer's 4xx (a size beyond its newest checkpoint, say) is passed back as it is. */
  async consistency(domain: string, from: number, to: number): Promise<ConsistencyProofResponse> {
    if (this.isHome(domain)) return this.keyLog.consistencyProof(from, to);
    this.peers.require(domain);
    const body = this.successBody(domain, await this.federation.getPublic(domain, `/v1/transparency/consistency?from=${from}&to=${to}`));
    const proof = body.proof;
    if (!Array.isArray(proof) || !proof.every((hash) => typeof hash === 'string')) throw this.unusable(domain, 'no consistency proof');
    return { from, to, proof };
  }

  private isHome(domain: string): boolean {
    return domain === this.config.domain.toLowerCase();
  }

  private async fetchPeerCheckpoint(domain: string): Promise<CheckpointResponse> {
    if (!(await this.peers.publicKeyOf(domain))) {
      throw new ParleyException(ErrorCode.PeerUnavailable, `the key of ${domain} is not known yet; retry later`, {}, 30_000);
    }
    const [answer, keyDocument] = await Promise.all([
      this.federation.getPublic(domain, '/v1/transparency/checkpoint'),
      this.federation.getPublic(domain, '/federation/v1/server-key'),
    ]);
    const { checkpoint, witnessed } = this.successBody(domain, answer);
    if (typeof checkpoint !== 'string') throw this.unusable(domain, 'no checkpoint');
    // Gossip: this server, as the peer's witness, compares what the peer shows with what it cosigned. Awaited: a
    // checkpoint signed by a new key of the peer makes it follow the peer's rotation first, so the key named below is current.
    await this.witness.observe(domain, checkpoint);
    const key = await this.peers.publicKeyOf(domain);
    if (!key) throw new ParleyException(ErrorCode.PeerUnavailable, `the key of ${domain} is not known yet; retry later`, {}, 30_000);
    // The peer's rotation statements, passed on unchecked: a client verifies them itself, from the key it pinned.
    const rotations = keyDocument.reached && keyDocument.status === 200 ? keyDocument.body.rotations : undefined;
    const keyRotations = Array.isArray(rotations) && rotations.every((r) => typeof r === 'string') ? rotations : [];
    return {
      checkpoint,
      verifierKey: ed25519VerifierKey(keyLogOriginOf(domain), rawPublicKey(key)),
      ...(typeof witnessed === 'string' && { witnessed }),
      ...(keyRotations.length > 0 && { keyRotations }),
    };
  }

  private successBody(domain: string, answer: PeerAnswer): Record<string, unknown> {
    if (isSuccess(answer) && answer.reached) return answer.body;
    if (isFinalForClient(answer)) throw peerRefusal(answer);
    throw new ParleyException(
      ErrorCode.PeerUnavailable,
      `${domain} cannot be reached now (${describeAnswer(answer)}); retry later`,
      {},
      30_000,
    );
  }

  private unusable(domain: string, what: string): ParleyException {
    return new ParleyException(ErrorCode.PeerUnavailable, `${domain} answered ${what}; retry later`, {}, 30_000);
  }
}
