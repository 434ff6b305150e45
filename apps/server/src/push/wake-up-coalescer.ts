import type { Clock } from '../common/clock';
import { ExpiringMap } from '../common/expiring-map';
import type { RedisConnection } from '../shared-state/redis-client';
import { deviceChannel } from '../delivery/delivery-bus';

/**
 * At most one wake-up per device per interval while the device fetches
 * nothing: `claim` answers true to the first caller in any process and
 * false to the rest until the interval ends or `release` (the device
 * fetched, or registered a new subscription) opens it again. Chosen with
 * the rest of the shared state (shared-state/shared-state.factory.ts).
 */
export abstract class WakeUpCoalescer {
  abstract claim(accountId: string, deviceId: number, intervalMs: number): Promise<boolean>;
  abstract release(accountId: string, deviceId: number): Promise<void>;
}

/** Devices remembered at once in single-process mode; beyond it the oldest claim is forgotten (one extra wake-up). */
const MAX_REMEMBERED = 100_000;

/** Single-process mode: claims in this process's memory. */
export class MemoryWakeUpCoalescer extends WakeUpCoalescer {
  private readonly claims: ExpiringMap<true>;

  constructor(private readonly clock: Clock) {
    super();
    this.claims = new ExpiringMap(clock, MAX_REMEMBERED);
  }

  async claim(accountId: string, deviceId: number, intervalMs: number) {
    const key = deviceChannel(accountId, deviceId);
    if (this.claims.get(key)) return false;
    this.claims.set(key, true, this.clock.now() + intervalMs);
    return true;
  }

  async release(accountId: string, deviceId: number) {
    this.claims.delete(deviceChannel(accountId, deviceId));
  }
}

/** Scale-out: one key per device, `SET NX PX`: the first process to set it wakes the device. */
export class RedisWakeUpCoalescer extends WakeUpCoalescer {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    super();
  }

  async claim(accountId: string, deviceId: number, intervalMs: number) {
    return (await this.redis.set(this.key(accountId, deviceId), '1', 'PX', intervalMs, 'NX')) === 'OK';
  }

  async release(accountId: string, deviceId: number) {
    await this.redis.del(this.key(accountId, deviceId));
  }

  private key(accountId: string, deviceId: number) {
    return `${this.prefix}woken:${deviceChannel(accountId, deviceId)}`;
  }
}
