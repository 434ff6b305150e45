import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';

/** The shared ioredis client, or null in single-process mode (no REDIS_URL). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Global()
@Module({
  providers: [{
    provide: REDIS_CLIENT,
    inject: [PARLEY_CONFIG],
    useFactory: async (config: ParleyConfig) => {
      if (!config.redisUrl) return null;
      const client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
      await client.connect();
      return client;
    },
  }],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis | null) {}
  async onApplicationShutdown() {
    await this.redis?.quit().catch(() => undefined);
  }
}
