import type Redis from 'ioredis';
import type { Clock } from '../common/clock';
import { requireRedis } from '../shared-state/redis-client';

/**
 * Sessions whose access tokens must stop working before they expire.
 * Entries are kept for `ttlSeconds` (as long as an access token lives),
 * then they are moot. Chosen with the rest of the shared state
 * (shared-state.factory.ts).
 */
export abstract class RevocationList {
  abstract revoke(sessionIds: string[], ttlSeconds: number): Promise<void>;
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
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  async revoke(sessionIds: string[], ttlSeconds: number) {
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.set(this.key(id), '1', 'EX', ttlSeconds);
    await requireRedis(pipeline.exec());
  }

  async isRevoked(sessionId: string) {
    return (await requireRedis(this.redis.exists(this.key(sessionId)))) === 1;
  }

  private key(sessionId: string) {
    return `${this.prefix}revoked:${sessionId}`;
  }
}
