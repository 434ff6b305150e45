import { ErrorCode } from '@parley/protocol';
import { ParleyException } from '../common/parley.exception';

/**
 * Runs a Redis command whose answer a request depends on (revocations,
 * rate limits, nonces). When Redis cannot be reached the request answers
 * 503 `service_unavailable`, never 401: a client must not throw away good
 * credentials because the server's shared state is down.
 */
export async function requireRedis<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw new ParleyException(503, ErrorCode.ServiceUnavailable, 'shared state (Redis) is unavailable; retry shortly', {}, 5_000);
  }
}
