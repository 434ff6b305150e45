import { DeliveryBus, deviceChannel } from './delivery-bus';
import type { DeviceSignal, DeviceSignalHandler } from './device-signal';

/** Single-process mode: signals go straight to handlers in this process. */
export class LocalDeliveryBus extends DeliveryBus {
  private readonly handlers = new Map<string, Set<DeviceSignalHandler>>();

  async publish(accountId: string, deviceId: number, signal: DeviceSignal) {
    const handlers = this.handlers.get(deviceChannel(accountId, deviceId));
    for (const handler of handlers ?? []) handler(signal);
    return handlers !== undefined;
  }

  async subscribe(accountId: string, deviceId: number, handler: DeviceSignalHandler) {
    const channel = deviceChannel(accountId, deviceId);
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return async () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(channel);
    };
  }

  async close() {
    this.handlers.clear();
  }
}
