import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';

/**
 * An ioredis client that fails a command after one retry (so a request
 * answers 503 promptly while Redis is down) and logs connection errors
 * instead of letting ioredis print unhandled-error lines.
 */
export function connectRedis(url: string, purpose: string, options: RedisOptions = {}): Redis {
  const logger = new Logger(`Redis(${purpose})`);
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, ...options });
  let reported = false;
  client.on('error', (error: Error) => {
    if (!reported) logger.warn(`Redis unreachable: ${error.message}`);
    reported = true;
  });
  client.on('ready', () => {
    if (reported) logger.log('Redis reachable again');
    reported = false;
  });
  return client;
}

/** The shared ioredis client, or null in single-process mode (no REDIS_URL). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Global()
@Module({
  providers: [{
    provide: REDIS_CLIENT,
    inject: [PARLEY_CONFIG],
    useFactory: async (config: ParleyConfig) => {
      if (!config.redisUrl) return null;
      const client = connectRedis(config.redisUrl, 'shared state');
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
