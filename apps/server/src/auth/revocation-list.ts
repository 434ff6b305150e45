import { Logger } from '@nestjs/common';
import type { Clock } from '../common/clock';
import type { Tx } from '../database/database.service';
import { requireRedis, RedisConnection } from '../shared-state/redis-client';
import type { RevokedSessionsRepository } from './revoked-sessions.repository';

/**
 * Sessions whose access tokens must stop working before they expire.
 * Entries are kept for `ttlSeconds` (as long as an access token lives),
 * then they are moot. Chosen with the rest of the shared state
 * (shared-state.factory.ts).
 */
export abstract class RevocationList {
  /** `tx`: the transaction the revocation must commit with, for lists that write to the database. */
  abstract revoke(sessionIds: string[], ttlSeconds: number, tx?: Tx): Promise<void>;
  abstract isRevoked(sessionId: string): Promise<boolean>;
}

/** Single-process mode: this process's memory (forgotten on restart). */
export class MemoryRevocationList extends RevocationList {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly clock: Clock) {
    super();
  }

  async revoke(sessionIds: string[], ttlSeconds: number) {
    const until = this.clock.now() + ttlSeconds * 1000;
    for (const id of sessionIds) this.revoked.set(id, until);
  }

  async isRevoked(sessionId: string) {
    const until = this.revoked.get(sessionId);
    if (until === undefined) return false;
    if (until < this.clock.now()) {
      this.revoked.delete(sessionId);
      return false;
    }
    return true;
  }
}

/** Scale-out: keys with a TTL in Redis, shared by every process. */
export class RedisRevocationList extends RevocationList {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    super();
  }

  /**
   * One SET per session, not a pipeline: on a Redis Cluster each key lives
   * in its own slot and a pipeline must stay within one; the commands
   * still go out together, without waiting for each other's answers.
   */
  async revoke(sessionIds: string[], ttlSeconds: number) {
    await requireRedis(Promise.all(sessionIds.map((id) => this.redis.set(this.key(id), '1', 'EX', ttlSeconds))));
  }

  async isRevoked(sessionId: string) {
    return (await requireRedis(this.redis.exists(this.key(sessionId)))) === 1;
  }

  private key(sessionId: string) {
    return `${this.prefix}revoked:${sessionId}`;
  }
}

/** How often revocations are copied from the database back into the fast list. */
const RESTORE_INTERVAL_MS = 30_000;

/**
 * The list every mode uses: each revocation is written to the database and
 * to a fast list (memory or Redis) that answers `isRevoked`. The fast list
 * is filled from the database at start and every RESTORE_INTERVAL_MS, so
 * neither a restart nor a Redis that lost its data brings a revoked token
 * back (for longer than that interval, in the Redis case).
 */
export class DurableRevocationList extends RevocationList {
  private readonly logger = new Logger(DurableRevocationList.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly fast: RevocationList,
    private readonly repository: RevokedSessionsRepository,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** Fills the fast list, then keeps it filled; resolves once the first restore is done. */
  async start(): Promise<void> {
    await this.restore();
    this.timer = setInterval(() => {
      this.restore().catch((error: Error) => this.logger.warn(`could not restore revocations: ${error.message}`));
    }, RESTORE_INTERVAL_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async revoke(sessionIds: string[], ttlSeconds: number, tx?: Tx) {
    await this.repository.insertRevoked(sessionIds, new Date(this.clock.now() + ttlSeconds * 1000), tx);
    await this.fast.revoke(sessionIds, ttlSeconds);
  }

  isRevoked(sessionId: string) {
    return this.fast.isRevoked(sessionId);
  }

  private async restore(): Promise<void> {
    const now = this.clock.now();
    const unexpired = await this.repository.findUnexpired();
    // Each has its own remaining lifetime; in parallel, Redis gets them in one pipelined burst.
    await Promise.all(
      unexpired.map(({ sessionId, expiresAt }) =>
        this.fast.revoke([sessionId], Math.max(1, Math.ceil((expiresAt.getTime() - now) / 1000))),
      ),
    );
  }
}
