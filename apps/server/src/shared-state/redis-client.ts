import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { ParleyException } from '../common/parley.exception';

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

/**
 * Runs a Redis command whose answer a request depends on (revocations,
 * rate limits, nonces). When Redis cannot be reached the request answers
 * 503 `service_unavailable`, never 401: a client must not throw away good
 * credentials because the server's shared state is down.
 */
export async function requireRedis<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch {
    throw ParleyException.sharedStateUnavailable();
  }
}
