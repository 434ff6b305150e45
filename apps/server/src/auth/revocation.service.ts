import { Inject, Injectable, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { REDIS_CLIENT } from '../redis/redis.module';
import { requireRedis } from '../redis/redis-unavailable';

/**
 * Sessions whose access tokens must stop working before they expire
 * (logout, device removal, refresh-token reuse). Shared through Redis by
 * all processes of a deployment; in this process's memory without Redis.
 * Entries live as long as an access token can, then they are moot.
 */
@Injectable()
export class RevocationService {
  private readonly revoked = new Map<string, number>();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
  ) {}

  async revokeSessions(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    const ttl = this.config.accessTokenTtlSeconds;
    if (this.redis) {
      const pipeline = this.redis.pipeline();
      for (const id of sessionIds) pipeline.set(this.key(id), '1', 'EX', ttl);
      await requireRedis(pipeline.exec());
      return;
    }
    const until = Date.now() + ttl * 1000;
    for (const id of sessionIds) this.revoked.set(id, until);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.redis) return (await requireRedis(this.redis.exists(this.key(sessionId)))) === 1;
    const until = this.revoked.get(sessionId);
    if (until === undefined) return false;
    if (until < Date.now()) { this.revoked.delete(sessionId); return false; }
    return true;
  }

  private key(sessionId: string) {
    return `${this.config.redisPrefix}revoked:${sessionId}`;
  }
}
