import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { AddCheckpointRequest, AddCheckpointResponse, EquivocationsResponse, ErrorCode } from '@parley/protocol';
import {
  checkpointText,
  cosignCheckpoint,
  formatNote,
  ed25519KeyId,
  formatSignatureLine,
  keyLogOriginOf,
  parseCheckpoint,
  rawPublicKey,
  TransparencyError,
  verifyCheckpoint,
  witnessNameOf,
} from '@parley/transparency';
import { Clock } from '../common/clock';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { DatabaseService } from '../database/database.service';
import { PeerDirectory } from '../federation/outbound/peer-directory.service';
import { ServerKeyService } from '../federation/outbound/server-key.service';
import { MetricsService } from '../metrics/metrics.service';
import { checkSubmission, KnownCheckpoint, WitnessVerdict } from './witness-check';
import { WitnessRepository } from './witness.repository';

const EQUIVOCATIONS_LISTED = 100;

/**
 * This server as a witness of its peers' key logs (C2SP tlog-witness):
 * cosigns a peer's checkpoint when it is signed with the peer's pinned
 * federation key and consistent with the last one cosigned; compares
 * every checkpoint of a peer it sees (submitted or gossiped in a relayed
 * bundle) with what it has seen of that log, and records equivocation
 * with both signed checkpoints as evidence.
 */
@Injectable()
export class WitnessService {
  private readonly logger = new Logger(WitnessService.name);
  /** The last gossiped note per peer, so a burst of bundle fetches costs one check. */
  private readonly lastGossip = new Map<string, string>();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly db: DatabaseService,
    private readonly repository: WitnessRepository,
    private readonly peers: PeerDirectory,
    private readonly serverKey: ServerKeyService,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * add-checkpoint from `peer` (its request signature already verified).
   * 404 unknown_log for any log but the peer's own; 403
   * invalid_checkpoint_signature unless the peer's pinned key signed it;
   * then checkSubmission's verdict, applied under the log's row lock.
   */
  async addCheckpoint(peer: string, request: AddCheckpointRequest): Promise<AddCheckpointResponse> {
    const origin = keyLogOriginOf(peer);
    try {
      const checkpoint = await this.verified(peer, request.checkpoint);
      const proof = request.proof.map((p) => Buffer.from(p, 'base64'));
      const now = this.clock.now();
      const verdict = await this.db.transaction(async (tx) => {
        const log = await this.repository.lockLog(origin, tx);
        const sameSize = await this.repository.findSeen(origin, checkpoint.size, tx);
        const verdict = checkSubmission({ oldSize: request.oldSize, proof, checkpoint }, { ...log, sameSize });
        if (verdict.verdict === 'cosign') await this.repository.recordCosigned(origin, checkpoint, new Date(now), tx);
        if (verdict.verdict === 'equivocation') await this.recordEquivocation(origin, verdict, checkpoint, 'submission', request.proof, tx);
        return verdict;
      });
      if (verdict.verdict === 'refuse') throw new ParleyException(verdict.code, verdict.message, verdict.extra);
      if (verdict.verdict === 'equivocation') {
        throw new ParleyException(
          verdict.kind === 'fork' ? ErrorCode.LogEquivocated : ErrorCode.InconsistentCheckpoint,
          `refused: ${verdict.message}; recorded as equivocation of ${origin}`,
        );
      }
      const cosignature = cosignCheckpoint(
        request.checkpoint,
        witnessNameOf(this.config.domain),
        this.serverKey.key,
        Math.floor(now / 1000),
      );
      this.metrics.witnessRequests.inc({ log: origin, outcome: 'cosigned' });
      return { cosignatures: formatSignatureLine(cosignature) };
    } catch (error) {
      if (error instanceof ParleyException) this.metrics.witnessRequests.inc({ log: origin, outcome: error.code });
      throw error;
    }
  }

  /**
   * Gossip: a checkpoint of `peer`'s log seen elsewhere (a relayed
   * bundle's `transparency`). Compared with the checkpoint of the same
   * size this witness cosigned or saw; a different root is recorded as
   * equivocation. Never throws: a bundle fetch does not fail over it (the
   * client verifies the bundle itself); a checkpoint that does not verify
   * with the peer's key is no evidence of anything and is ignored.
   */
  async observe(peer: string, note: string | undefined | null): Promise<void> {
    if (!note || this.lastGossip.get(peer) === note) return;
    const origin = keyLogOriginOf(peer);
    try {
      const checkpoint = await this.verified(peer, note);
      this.lastGossip.set(peer, note);
      const now = new Date(this.clock.now());
      await this.db.transaction(async (tx) => {
        const log = await this.repository.lockLog(origin, tx);
        const seen = await this.repository.findSeen(origin, checkpoint.size, tx);
        if (!seen) return this.repository.rememberSeen(origin, checkpoint, 'gossip', tx);
        if (seen.rootHash.equals(checkpoint.rootHash) || log.equivocated) return;
        const verdict = {
          verdict: 'equivocation',
          kind: 'fork',
          against: seen,
          message: `two checkpoints of size ${checkpoint.size}`,
        } as const;
        await this.recordEquivocation(origin, verdict, checkpoint, 'gossip', null, tx, now);
      });
    } catch (error) {
      this.logger.warn(`ignored a checkpoint of ${origin} seen in gossip: ${(error as Error).message}`);
    }
  }

  async equivocations(): Promise<EquivocationsResponse> {
    const rows = await this.repository.listEquivocations(EQUIVOCATIONS_LISTED);
    return {
      equivocations: rows.map((r) => ({
        id: Number(r.id),
        origin: r.origin,
        kind: r.kind,
        source: r.source,
        firstCheckpoint: r.first_note,
        secondCheckpoint: r.second_note,
        proof: r.proof,
        detectedAt: r.detected_at.toISOString(),
      })),
    };
  }

  /** The checkpoint of the peer's log, its signature checked with the peer's pinned key; only the log's own signature is kept. */
  private async verified(peer: string, note: string): Promise<KnownCheckpoint> {
    const origin = keyLogOriginOf(peer);
    let parsed;
    try {
      parsed = parseCheckpoint(note);
    } catch (error) {
      throw new ParleyException(ErrorCode.ValidationFailed, `the checkpoint does not parse: ${(error as Error).message}`);
    }
    if (parsed.origin !== origin) throw new ParleyException(ErrorCode.UnknownLog, `this witness only cosigns ${origin} for ${peer}`);
    const key = await this.peers.publicKeyOf(peer);
    if (!key) throw new ParleyException(ErrorCode.PeerUnavailable, `the key of ${peer} is not known yet`);
    const verifierOf = (publicKey: KeyObject) => ({ name: origin, keyId: ed25519KeyId(origin, rawPublicKey(publicKey)), publicKey });
    let verifier = verifierOf(key);
    try {
      if (!parsed.signatures.some((s) => s.name === origin && s.keyId === verifier.keyId)) {
        // Signed by another key: the peer may have rotated its key, which is followed only through a valid chain.
        const rotated = await this.peers.refreshKey(peer, key);
        if (rotated) verifier = verifierOf(rotated);
      }
      const checkpoint = verifyCheckpoint(note, origin, verifier);
      // Evidence keeps the note as the log signed it, without other witnesses' lines.
      const own = parsed.signatures.filter((s) => s.name === origin && s.keyId === verifier.keyId);
      return {
        size: checkpoint.size,
        rootHash: checkpoint.rootHash,
        note: formatNote({ text: checkpointText(checkpoint), signatures: own }),
      };
    } catch (error) {
      if (!(error instanceof TransparencyError)) throw error;
      throw new ParleyException(
        ErrorCode.InvalidCheckpointSignature,
        `the checkpoint is not signed by the key of ${peer}: ${error.message}`,
      );
    }
  }

  private async recordEquivocation(
    origin: string,
    verdict: Extract<WitnessVerdict, { verdict: 'equivocation' }>,
    checkpoint: KnownCheckpoint,
    source: 'submission' | 'gossip',
    proof: string[] | null,
    tx: Parameters<WitnessRepository['recordEquivocation']>[2],
    at = new Date(this.clock.now()),
  ): Promise<void> {
    await this.repository.recordEquivocation(
      {
        origin,
        kind: verdict.kind,
        source,
        firstNote: verdict.against.note,
        secondNote: checkpoint.note,
        proof: verdict.kind === 'inconsistent' ? proof : null,
      },
      at,
      tx,
    );
    this.metrics.witnessEquivocations.inc({ log: origin, kind: verdict.kind, source });
    this.logger.error(
      `EQUIVOCATION by ${origin} (${verdict.kind}, via ${source}): ${verdict.message}. ` +
        `Evidence at GET /v1/transparency/equivocations; this server cosigns nothing more of ${origin}.`,
    );
  }
}
