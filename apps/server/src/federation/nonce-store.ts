import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { REDIS_CLIENT } from '../redis/redis.module';
import { FederationRepository } from './federation.repository';
import { SIGNATURE_WINDOW_MS } from './signature';

/**
 * Request nonces seen recently, shared by every process of the deployment:
 * in Redis (SET NX PX) when there is one, else in the database (which,
 * unlike memory, also survives a restart inside the window). A nonce is
 * kept for twice the signature window: a request is accepted with a
 * timestamp up to one window either side of now, so no request carrying
 * the nonce can still be fresh once it is forgotten.
 */
@Injectable()
export class NonceStore {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    private readonly repository: FederationRepository,
  ) {}

  /** Records the nonce; false when it was already seen (a replay). */
  async remember(origin: string, nonce: string, now: number): Promise<boolean> {
    const ttl = 2 * SIGNATURE_WINDOW_MS;
    if (this.redis) {
      return (await this.redis.set(`${this.config.redisPrefix}fed:nonce:${origin}:${nonce}`, '1', 'PX', ttl, 'NX')) === 'OK';
    }
    return this.repository.rememberNonce(origin, nonce, new Date(now + ttl));
  }

  async prune(now: number): Promise<void> {
    if (!this.redis) await this.repository.pruneNonces(new Date(now));
  }
}
