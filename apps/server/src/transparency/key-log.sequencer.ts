import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import {
  appendLeaves,
  ed25519KeyId,
  encodeKeyLeaf,
  hashLeaf,
  keyLogOriginOf,
  parseCheckpoint,
  rangeNodes,
  rawPublicKey,
  signCheckpoint,
} from '@parley/transparency';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { DatabaseService, Tx } from '../database/database.service';
import { ServerKeyService } from '../federation/outbound/server-key.service';
import { Batcher } from '../common/batcher';
import { KeyLogRepository, StoredCheckpoint } from './key-log.repository';

/** A new checkpoint at least this often while changes wait (issue 13: "at least once a second"). */
export const CHECKPOINT_INTERVAL_MS = 1000;

/** Leaves per append transaction: bounds its statements and its hold on the tree lock; the rest go in the next. */
const MAX_LEAVES_PER_APPEND = 1000;

/**
 * Moves list changes from the outbox (key_log_pending) into the tree and
 * signs a checkpoint for each append. A round runs right after a local
 * change commits and, in every process, once per checkpoint interval
 * while the outbox is not empty (so a change whose process died before
 * its round is still logged). Rounds asked for while one runs share the
 * next one (Batcher: group commit), so appends are batched under load and
 * cost one round trip at low load. Processes take turns through
 * KeyLogRepository.lockTree. After a server key rotation, a round also
 * signs the newest checkpoint again with the new key (same tree), so that
 * peers' witnesses and clients, which follow the rotation, find the
 * newest checkpoint signed by the key now published.
 */
@Injectable()
export class KeyLogSequencer implements OnApplicationBootstrap {
  private readonly logger = new Logger(KeyLogSequencer.name);
  private readonly rounds = new Batcher<null>(
    async (callers) => {
      await this.integratePending();
      return callers.map(() => undefined);
    },
    Number.MAX_SAFE_INTEGER,
    1,
  );
  private latest: StoredCheckpoint | null = null;

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly db: DatabaseService,
    private readonly repository: KeyLogRepository,
    private readonly serverKey: ServerKeyService,
  ) {}

  /** The log's origin and checkpoint key name. */
  get origin(): string {
    return keyLogOriginOf(this.config.domain);
  }

  async onApplicationBootstrap() {
    // The first start signs the empty tree; a restart integrates what a stopped process left.
    await this.rounds.submit(null);
  }

  /**
   * After a list change committed: resolves when its leaf is in a signed
   * checkpoint, or after one checkpoint interval at most. Never rejects:
   * the change is committed whatever happens here, and the timer logs it
   * later if this round failed.
   */
  async awaitSequenced(): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    const interval = new Promise<void>((resolve) => (timeout = setTimeout(resolve, CHECKPOINT_INTERVAL_MS)));
    const round = this.rounds.submit(null).catch((error: unknown) => this.logger.error(`key log append failed: ${String(error)}`));
    await Promise.race([round, interval]);
    clearTimeout(timeout);
  }

  /** The newest checkpoint this process knows: at most one interval old. Null only before the first round. */
  cachedCheckpoint(): StoredCheckpoint | null {
    return this.latest;
  }

  /** The newest checkpoint in the database; refreshes the cache. */
  async refreshCheckpoint(): Promise<StoredCheckpoint | null> {
    const stored = await this.repository.findLatestCheckpoint();
    if (
      stored &&
      (!this.latest || stored.size > this.latest.size || (stored.size === this.latest.size && stored.note !== this.latest.note))
    ) {
      this.latest = stored;
    }
    return this.latest;
  }

  /** Each interval: integrates changes whose own round never ran (their process died), and learns other processes' checkpoints. */
  @Interval(CHECKPOINT_INTERVAL_MS)
  async catchUp() {
    try {
      const resign = this.latest !== null && !this.signedWithCurrentKey(this.latest.note);
      if (resign || (await this.repository.hasPending())) await this.rounds.submit(null);
      await this.refreshCheckpoint();
    } catch (error) {
      this.logger.error(`key log round failed: ${String(error)}`);
    }
  }

  private async integratePending(): Promise<void> {
    for (;;) {
      const { appended, checkpoint } = await this.db.transaction((tx) => this.appendPending(tx));
      if (checkpoint && (!this.latest || checkpoint.size >= this.latest.size)) this.latest = checkpoint;
      if (appended < MAX_LEAVES_PER_APPEND) return;
    }
  }

  /**
   * One append under the tree lock: takes outbox rows, chains each to its
   * account's previous leaf, stores leaves and completed subtrees, and
   * signs the new checkpoint, all in `tx`.
   */
  private async appendPending(tx: Tx): Promise<{ appended: number; checkpoint: StoredCheckpoint | null }> {
    const size = await this.repository.lockTree(tx);
    const pending = await this.repository.takePending(MAX_LEAVES_PER_APPEND, tx);
    if (pending.length === 0) {
      const stored = await this.repository.findCheckpoint(size, tx);
      if (stored && this.signedWithCurrentKey(stored.note)) return { appended: 0, checkpoint: null };
      if (stored) return { appended: 0, checkpoint: await this.resign(size, stored.note, tx) };
    }
    const previous = await this.repository.findLatestIndexes([...new Set(pending.map((p) => p.address))], tx);
    const leaves = pending.map((p, offset) => {
      const index = size + offset;
      const leaf = encodeKeyLeaf({ ...p, previousIndex: previous.get(p.address) ?? null });
      previous.set(p.address, index);
      return { index, address: p.address, listVersion: p.listVersion, leaf };
    });
    const edge = await this.repository.readHashes(rangeNodes({ start: 0, end: size }), tx);
    const { nodes, root } = appendLeaves(
      size,
      edge,
      leaves.map((l) => hashLeaf(l.leaf)),
    );
    const checkpoint = { size: size + leaves.length, rootHash: root };
    const note = signCheckpoint({ origin: this.origin, ...checkpoint }, this.serverKey.key);
    await this.repository.appendLeaves(leaves, nodes, { ...checkpoint, note }, tx);
    return { appended: leaves.length, checkpoint: { size: checkpoint.size, note } };
  }

  /** The same tree's checkpoint, signed with the key in effect now (after a rotation). Witnesses' cosignatures of it stay valid: they sign its text. */
  private async resign(size: number, stored: string, tx: Tx): Promise<StoredCheckpoint> {
    const note = signCheckpoint({ origin: this.origin, size, rootHash: parseCheckpoint(stored).rootHash }, this.serverKey.key);
    await this.repository.replaceCheckpointNote(size, note, tx);
    return { size, note };
  }

  private signedWithCurrentKey(note: string): boolean {
    const keyId = ed25519KeyId(this.origin, rawPublicKey(this.serverKey.key));
    return parseCheckpoint(note).signatures.some((s) => s.name === this.origin && s.keyId === keyId);
  }
}
