import { requireRedis, RedisConnection } from '../../shared-state/redis-client';
import { SIGNATURE_WINDOW_MS } from '../signature';
import type { NoncesRepository } from './nonces.repository';

/**
 * A nonce is kept for twice the signature window: a request is accepted
 * with a timestamp up to one window either side of now, so no request
 * carrying the nonce can still be fresh once it is forgotten.
 */
const NONCE_TTL_MS = 2 * SIGNATURE_WINDOW_MS;

/**
 * Request nonces seen recently, shared by every process of the
 * deployment. Chosen with the rest of the shared state
 * (shared-state.factory.ts).
 */
export abstract class NonceStore {
  /** Records the nonce; false when it was already seen (a replay). */
  abstract remember(origin: string, nonce: string, now: number): Promise<boolean>;
  /** Forgets nonces nobody can use any more. */
  abstract prune(now: number): Promise<void>;
}

/** Scale-out: SET NX PX in Redis; Redis expires them itself. A Redis outage answers 503. */
export class RedisNonceStore extends NonceStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    super();
  }

  async remember(origin: string, nonce: string) {
    return (await requireRedis(this.redis.set(`${this.prefix}fed:nonce:${origin}:${nonce}`, '1', 'PX', NONCE_TTL_MS, 'NX'))) === 'OK';
  }

  async prune() {
    /* expired by Redis */
  }
}

/** Single-process mode: in the database, which, unlike memory, also survives a restart inside the window. */
export class DatabaseNonceStore extends NonceStore {
  constructor(private readonly nonces: NoncesRepository) {
    super();
  }

  remember(origin: string, nonce: string, now: number) {
    return this.nonces.rememberNonce(origin, nonce, new Date(now + NONCE_TTL_MS));
  }

  async prune(now: number) {
    await this.nonces.pruneNonces(new Date(now));
  }
}
