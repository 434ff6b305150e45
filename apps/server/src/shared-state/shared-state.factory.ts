import type { Clock } from '../common/clock';
import type { ParleyConfig } from '../config/config';
import type { DatabaseService } from '../database/database.service';
import { DurableRevocationList, MemoryRevocationList, RedisRevocationList, RevocationList } from '../auth/revocation-list';
import { RevokedSessionsRepository } from '../auth/revoked-sessions.repository';
import { LoginAttempts, MemoryLoginAttempts, RedisLoginAttempts } from '../auth/login-attempts';
import { DeliveryBus } from '../delivery/delivery-bus';
import { LocalDeliveryBus } from '../delivery/local-delivery-bus';
import { RedisDeliveryBus } from '../delivery/redis-delivery-bus';
import { DatabaseNonceStore, NonceStore, RedisNonceStore } from '../federation/inbound/nonce-store';
import { NoncesRepository } from '../federation/inbound/nonces.repository';
import { BucketStore, MemoryBucketStore, RedisBucketStore } from '../limits/bucket-store';
import { MemoryWakeUpCoalescer, RedisWakeUpCoalescer, WakeUpCoalescer } from '../push/wake-up-coalescer';
import { connectRedis, isServing } from './redis-client';

/** What processes of one deployment share, in one implementation per mode. */
export interface SharedState {
  mode: 'single-process' | 'redis';
  deliveryBus: DeliveryBus;
  wakeUpCoalescer: WakeUpCoalescer;
  buckets: BucketStore;
  loginAttempts: LoginAttempts;
  revocations: RevocationList;
  nonces: NonceStore;
  /** Whether the shared state answers now (/healthz). */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The one place that decides between a single process and a Redis
 * deployment (REDIS_URL, or a Redis Cluster with REDIS_CLUSTER_NODES: the
 * same stores, whose keys and channels are laid out for both). Everything
 * else receives the abstract classes and never asks which mode it runs in.
 */
export async function createSharedState(config: ParleyConfig, db: DatabaseService, clock: Clock): Promise<SharedState> {
  const durable = (fast: RevocationList) => new DurableRevocationList(fast, new RevokedSessionsRepository(db), clock);
  if (!config.redis) {
    const deliveryBus = new LocalDeliveryBus();
    const revocations = durable(new MemoryRevocationList(clock));
    await revocations.start();
    return {
      mode: 'single-process',
      deliveryBus,
      wakeUpCoalescer: new MemoryWakeUpCoalescer(clock),
      buckets: new MemoryBucketStore(clock),
      loginAttempts: new MemoryLoginAttempts(config.loginBackoff, clock),
      revocations,
      nonces: new DatabaseNonceStore(new NoncesRepository(db)),
      isReachable: async () => true,
      close: async () => {
        revocations.stop();
        await deliveryBus.close();
      },
    };
  }
  // Concurrent requests' commands (revocation checks, rate-limit takes) share one write to Redis instead of one each.
  const redis = await connectRedis(config.redis, 'shared state', { enableAutoPipelining: true });
  const deliveryBus = new RedisDeliveryBus(
    await connectRedis(config.redis, 'delivery publisher', { enableAutoPipelining: true }),
    await connectRedis(config.redis, 'delivery subscriber'),
    config.redisPrefix,
  );
  const revocations = durable(new RedisRevocationList(redis, config.redisPrefix));
  await revocations.start();
  return {
    mode: 'redis',
    deliveryBus,
    wakeUpCoalescer: new RedisWakeUpCoalescer(redis, config.redisPrefix),
    buckets: new RedisBucketStore(redis, clock),
    loginAttempts: new RedisLoginAttempts(redis, config.redisPrefix, config.loginBackoff, clock),
    revocations,
    nonces: new RedisNonceStore(redis, config.redisPrefix),
    isReachable: () => isServing(redis),
    close: async () => {
      revocations.stop();
      await deliveryBus.close();
      await redis.quit().catch(() => undefined);
    },
  };
}
