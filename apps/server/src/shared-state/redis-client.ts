import { Logger } from '@nestjs/common';
import Redis, { Cluster } from 'ioredis';
import { ParleyException } from '../common/parley.exception';
import type { RedisTarget } from '../config/config';

/** One Redis or a Redis Cluster: the stores use commands both answer alike. */
export type RedisConnection = Redis | Cluster;

/**
 * A connected ioredis client for `target` that fails a command promptly
 * while Redis is down (so a request answers 503 instead of waiting) and
 * logs connection errors once per outage instead of letting ioredis print
 * unhandled-error lines. Rejects when Redis cannot be reached at all: the
 * process does not start without its shared state.
 */
export async function connectRedis(
  target: RedisTarget,
  purpose: string,
  options: { enableAutoPipelining?: boolean } = {},
): Promise<RedisConnection> {
  const logger = new Logger(`Redis(${purpose})`);
  const client =
    'url' in target
      ? new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 1, ...options })
      : new Cluster(target.clusterNodes, {
          lazyConnect: true,
          ...options,
          // A cluster client queues commands while it reconnects for as long as that takes; without the
          // queue a command fails at once, as maxRetriesPerRequest: 1 makes it fail on one Redis.
          enableOfflineQueue: false,
          // SSUBSCRIBE must reach the shard that owns the channel's slot (RedisDeliveryBus); the group
          // connects to a shard only once a channel there is subscribed.
          shardedSubscribers: true,
        });
  let reported = false;
  const report = (error: Error, node?: string) => {
    if (!reported) logger.warn(`Redis ${node ? `node ${node} ` : ''}unreachable: ${error.message}`);
    reported = true;
  };
  client.on('error', (error: Error) => report(error));
  // A cluster reports a failing node here and stays ready while its other shards answer.
  client.on('node error', (error: Error, node: string) => report(error, node));
  client.on('ready', () => {
    if (reported) logger.log('Redis reachable again');
    reported = false;
  });
  await client.connect();
  return client;
}

/**
 * Whether the shared state answers (/healthz). A cluster answers when a
 * node reports `cluster_state:ok`: every slot is served. A master that
 * stopped is seen by the others after `cluster-node-timeout`.
 */
export async function isServing(client: RedisConnection): Promise<boolean> {
  try {
    if (client instanceof Cluster) return /^cluster_state:ok\r?$/m.test(await client.cluster('INFO'));
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  }
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
