import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../shared-state/redis-client';
import { deviceChannel } from './delivery-bus';

/**
 * Which devices have a socket open on some process of the deployment: the
 * gateway notes each connection and its end; push wake-ups ask before they
 * wake a device (push/wake-up.service.ts). An envelope signal that some
 * process took already says the device has a socket (MessagesService asks
 * nothing then); one that no process took proves nothing (a subscription
 * may be on its way while a socket connects), so the answer for those
 * comes from here. Chosen with the rest of the shared state
 * (shared-state/shared-state.factory.ts).
 */
export abstract class ConnectedDevices {
  abstract connected(accountId: string, deviceId: number, connectionId: string): Promise<void>;
  abstract disconnected(accountId: string, deviceId: number, connectionId: string): Promise<void>;
  abstract isConnected(accountId: string, deviceId: number): Promise<boolean>;
  abstract close(): Promise<void>;
}

/** Single-process mode: the open connections of this process are all there are. */
export class MemoryConnectedDevices extends ConnectedDevices {
  private readonly connections = new Map<string, Set<string>>();

  async connected(accountId: string, deviceId: number, connectionId: string) {
    const key = deviceChannel(accountId, deviceId);
    this.connections.set(key, (this.connections.get(key) ?? new Set()).add(connectionId));
  }

  async disconnected(accountId: string, deviceId: number, connectionId: string) {
    const key = deviceChannel(accountId, deviceId);
    const set = this.connections.get(key);
    set?.delete(connectionId);
    if (set?.size === 0) this.connections.delete(key);
  }

  async isConnected(accountId: string, deviceId: number) {
    return this.connections.has(deviceChannel(accountId, deviceId));
  }

  async close() {
    this.connections.clear();
  }
}

/** How long a process's lease lives without renewal, and how often it renews it. */
const LEASE_TTL_MS = 30_000;
const LEASE_RENEW_MS = 10_000;

/**
 * Scale-out: a hash per device in Redis, `connection id → process id`,
 * and a lease per process that the process renews every 10 s. A device is
 * connected when one of its entries names a process whose lease is alive,
 * so the connections of a process that died without cleaning up stop
 * counting within 30 s (and are removed when next read). Only single-key
 * commands, so it works on a Redis Cluster unchanged.
 */
export class RedisConnectedDevices extends ConnectedDevices {
  private readonly processId = randomUUID();
  private readonly renewal: NodeJS.Timeout;

  private constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    super();
    this.renewal = setInterval(() => void this.renewLease().catch(() => undefined), LEASE_RENEW_MS);
    this.renewal.unref();
  }

  static async start(redis: RedisConnection, prefix: string): Promise<RedisConnectedDevices> {
    const devices = new RedisConnectedDevices(redis, prefix);
    await devices.renewLease();
    return devices;
  }

  async connected(accountId: string, deviceId: number, connectionId: string) {
    await this.redis.hset(this.deviceKey(accountId, deviceId), connectionId, this.processId);
  }

  async disconnected(accountId: string, deviceId: number, connectionId: string) {
    await this.redis.hdel(this.deviceKey(accountId, deviceId), connectionId);
  }

  async isConnected(accountId: string, deviceId: number) {
    const key = this.deviceKey(accountId, deviceId);
    const entries = await this.redis.hgetall(key);
    for (const processId of new Set(Object.values(entries))) {
      if (processId === this.processId || (await this.redis.exists(this.leaseKey(processId)))) return true;
    }
    const stale = Object.keys(entries);
    if (stale.length) await this.redis.hdel(key, ...stale);
    return false;
  }

  async close() {
    clearInterval(this.renewal);
    await this.redis.del(this.leaseKey(this.processId)).catch(() => undefined);
  }

  private async renewLease() {
    await this.redis.set(this.leaseKey(this.processId), '1', 'PX', LEASE_TTL_MS);
  }

  private deviceKey(accountId: string, deviceId: number) {
    return `${this.prefix}connected:${deviceChannel(accountId, deviceId)}`;
  }

  private leaseKey(processId: string) {
    return `${this.prefix}process:${processId}`;
  }
}
