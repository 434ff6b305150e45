import { requireRedis, RedisConnection } from '../shared-state/redis-client';
import { DeliveryBus, deviceChannel } from './delivery-bus';
import type { DeviceSignal, DeviceSignalHandler } from './device-signal';

/**
 * Scale-out: Redis pub/sub with one channel per device. A process
 * subscribes to the channels of the devices connected to it, so each
 * envelope crosses Redis once, to the one process that delivers it.
 *
 * Sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7): on a Redis Cluster a
 * channel lives on the shard that owns its slot, so a signal goes to that
 * one shard, where PUBLISH would be copied to every node over the cluster
 * bus; on one Redis it behaves as PUBLISH does. Channel names carry no
 * hash tag: each is used alone, and whole names spread the devices over
 * every slot.
 *
 * Why not the socket.io Redis adapter: it broadcasts every emit to every
 * process, and delivery here needs per-connection state the adapter does
 * not carry (the in-flight window, drain-then-live ordering, acks that
 * delete from the queue).
 */
export class RedisDeliveryBus extends DeliveryBus {
  private readonly handlers = new Map<string, Set<DeviceSignalHandler>>();

  /** `subscriber` is the bus's own: a connection that subscribes can send nothing else. */
  constructor(
    private readonly publisher: RedisConnection,
    private readonly subscriber: RedisConnection,
    private readonly prefix: string,
  ) {
    super();
    this.subscriber.on('smessage', (channel: string, payload: string) => {
      const handlers = this.handlers.get(channel);
      if (!handlers) return;
      const signal = JSON.parse(payload) as DeviceSignal;
      for (const handler of handlers) handler(signal);
    });
  }

  /**
   * Best effort: an envelope is durably queued before it is published, so
   * when Redis is down a connected device gets it at its next drain
   * instead of now, and the sender's send still succeeds.
   */
  async publish(accountId: string, deviceId: number, signal: DeviceSignal) {
    const receivers = (await this.publisher.spublish(this.channel(accountId, deviceId), JSON.stringify(signal)).catch(() => 0)) as number;
    return receivers > 0;
  }

  async subscribe(accountId: string, deviceId: number, handler: DeviceSignalHandler) {
    const channel = this.channel(accountId, deviceId);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      try {
        await requireRedis(this.subscriber.ssubscribe(channel));
      } catch (error) {
        if (set.size === 0 && this.handlers.get(channel) === set) this.handlers.delete(channel); // the next connection subscribes again
        throw error;
      }
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        await this.subscriber.sunsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close() {
    await Promise.all([this.publisher.quit(), this.subscriber.quit()].map((p) => p.catch(() => undefined)));
  }

  private channel(accountId: string, deviceId: number) {
    return `${this.prefix}dev:${deviceChannel(accountId, deviceId)}`;
  }
}
