import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { consistencyProof, parseNote, verifyCosignature, witnessNameOf } from '@parley/transparency';
import { Clock } from '../common/clock';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { retryDelayMs } from '../federation/outbound/backoff';
import { describeAnswer, FederationClient, PeerAnswer } from '../federation/outbound/federation.client';
import { WITNESS_PATH } from '../federation/outbound/peer-answers';
import { PeerDirectory } from '../federation/outbound/peer-directory.service';
import { MetricsService } from '../metrics/metrics.service';
import { CosignaturesRepository, SubmissionRow } from './cosignatures.repository';
import { KeyLogRepository, StoredCheckpoint } from './key-log.repository';

/**
 * Gets this server's key log witnessed by every peer (C2SP tlog-witness,
 * the log's side). Every WITNESS_SUBMIT_INTERVAL_MS, in every process, it
 * takes the peers that have not cosigned the newest checkpoint and whose
 * next attempt is due (CosignaturesRepository.takeDue leases them, as the
 * federation outbox does its rows), and submits the checkpoint with a
 * consistency proof from the size each last cosigned, through the signed
 * FederationClient. A cosignature is verified with the peer's pinned key
 * before it is kept. A 409 tells the size the witness knows: the next
 * round submits from there. Anything else is retried with the outbox's
 * backoff (FEDERATION_RETRY_BASE_MS doubling up to FEDERATION_RETRY_MAX_MS),
 * without end: the state is the newest checkpoint, so nothing piles up,
 * and a peer that comes back is caught up in one request.
 */
@Injectable()
export class WitnessSubmitter implements OnApplicationBootstrap {
  private readonly logger = new Logger(WitnessSubmitter.name);
  private running: Promise<void> | null = null;

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly keyLog: KeyLogRepository,
    private readonly repository: CosignaturesRepository,
    private readonly client: FederationClient,
    private readonly peers: PeerDirectory,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  async onApplicationBootstrap() {
    const peers = this.peers.list().map((p) => p.domain);
    if (peers.length === 0) return;
    await this.repository.ensurePeers(peers);
    const timer = setInterval(() => void this.round(), this.config.witnessSubmitIntervalMs);
    timer.unref();
    // Registered so that the scheduler clears it at shutdown, like every @Interval.
    this.scheduler.addInterval(WitnessSubmitter.name, timer);
  }

  /** One round; a round still running (a slow peer) is not overlapped. Never rejects. */
  round(): Promise<void> {
    this.running ??= this.submitAll()
      .catch((error: unknown) => this.logger.warn(`witness round failed: ${String(error)}`))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async submitAll(): Promise<void> {
    const latest = await this.keyLog.findLatestCheckpoint();
    if (!latest || latest.size === 0) return;
    const now = this.clock.now();
    const leaseUntil = new Date(now + this.config.federationRequestTimeoutMs + 30_000);
    const due = await this.repository.takeDue(
      latest.size,
      new Date(now),
      leaseUntil,
      this.peers.list().map((p) => p.domain),
    );
    await Promise.all(due.map((row) => this.submit(row, latest)));
  }

  private async submit(row: SubmissionRow, latest: StoredCheckpoint): Promise<void> {
    const oldSize = Number(row.cosigned_size);
    const proof = oldSize > 0 ? await consistencyProof(oldSize, latest.size, (nodes) => this.keyLog.readHashes(nodes)) : [];
    const answer = await this.client.post(row.peer, WITNESS_PATH, {
      oldSize,
      proof: proof.map((h) => h.toString('base64')),
      checkpoint: latest.note,
    });
    if (answer.reached && answer.status === 200) return this.keep(row.peer, latest, answer.body.cosignatures);
    const known = answer.reached && answer.status === 409 ? answer.body.latestSize : undefined;
    if (typeof known === 'number' && Number.isSafeInteger(known) && known >= 0 && known <= latest.size && known !== oldSize) {
      this.metrics.witnessSubmissions.inc({ peer: row.peer, outcome: 'conflict' });
      this.logger.warn(`witness ${row.peer} last cosigned size ${known}, not ${oldSize}: submitting from there`);
      return this.repository.resetCosignedSize(row.peer, known, new Date(this.clock.now()));
    }
    this.metrics.witnessSubmissions.inc({ peer: row.peer, outcome: answer.reached && answer.status < 500 ? 'refused' : 'failed' });
    if (typeof known === 'number' && known > latest.size) {
      this.logger.error(
        `witness ${row.peer} has cosigned size ${known} of this log, which has only ${latest.size} leaves: was the log reset?`,
      );
    } else if (answer.reached && answer.status >= 400 && answer.status < 500) {
      this.logger.error(`witness ${row.peer} refused checkpoint ${latest.size}: ${errorOf(answer)}`);
    }
    await this.retryLater(row, describeAnswer(answer));
  }

  /** Verifies the witness's cosignature with its pinned key before storing it: a log serves only cosignatures that verify. */
  private async keep(peer: string, latest: StoredCheckpoint, lines: unknown): Promise<void> {
    const name = witnessNameOf(peer);
    const key = await this.peers.publicKeyOf(peer);
    const signature = typeof lines === 'string' && key ? parseNote(latest.note + lines).signatures.find((s) => s.name === name) : undefined;
    try {
      if (!signature || !key) throw new Error('no cosignature by its witness name in the answer');
      verifyCosignature(parseNote(latest.note).text, signature, { name, publicKey: key });
    } catch (error) {
      this.metrics.witnessSubmissions.inc({ peer, outcome: 'refused' });
      this.logger.error(`witness ${peer} answered checkpoint ${latest.size} without a valid cosignature: ${(error as Error).message}`);
      return this.retryLater({ peer, attempts: 1 }, 'bad_cosignature');
    }
    const line = (lines as string).split('\n').find((l) => l.startsWith(`\u2014 ${name} `))!;
    await this.repository.recordCosignature(peer, name, latest.size, `${line}\n`, new Date(this.clock.now()));
    this.metrics.witnessSubmissions.inc({ peer, outcome: 'cosigned' });
  }

  private retryLater(row: Pick<SubmissionRow, 'peer' | 'attempts'>, error: string): Promise<void> {
    const delay = retryDelayMs(row.attempts, this.config.federationRetryBaseMs, this.config.federationRetryMaxMs);
    return this.repository.reschedule(row.peer, new Date(this.clock.now() + delay), error);
  }
}

const errorOf = (answer: Extract<PeerAnswer, { reached: true }>) =>
  typeof answer.body.error === 'string' ? `${answer.body.error}: ${String(answer.body.message)}` : `http_${answer.status}`;
