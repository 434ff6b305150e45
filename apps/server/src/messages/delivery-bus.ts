import type { ClosingNotice, DeliveryFailed, KeyCountResponse } from '@parley/protocol';
import type { QueuedEnvelope } from './envelope';

/** What can happen to one device, wherever its socket is connected. */
export type DeviceSignal =
  | { kind: 'envelope'; queued: QueuedEnvelope }
  /** A newer connection of the device: every other connection closes (the newer one wins). */
  | { kind: 'takeover'; connectionId: string }
  /** Sessions ended (logout, revocation, device removal): connections authenticated by them close. */
  | { kind: 'sessionsEnded'; sessionIds: string[]; reason: ClosingNotice['reason'] }
  | { kind: 'keysLow'; counts: KeyCountResponse }
  | { kind: 'deliveryFailed'; failure: DeliveryFailed };

export type DeviceSignalHandler = (signal: DeviceSignal) => void;

export const deviceChannel = (accountId: string, deviceId: number) => `${accountId}.${deviceId}`;

/**
 * Carries device signals from the process that causes them to the process
 * holding the device's socket. One channel per device, so a signal reaches
 * only the process that needs it (see RedisDeliveryBus for why not the
 * socket.io adapter).
 */
export abstract class DeliveryBus {
  abstract publish(accountId: string, deviceId: number, signal: DeviceSignal): Promise<void>;
  /** Returns an unsubscribe function. */
  abstract subscribe(accountId: string, deviceId: number, handler: DeviceSignalHandler): Promise<() => Promise<void>>;
}

/** Single-process mode: signals go straight to handlers in this process. */
export class LocalDeliveryBus extends DeliveryBus {
  private readonly handlers = new Map<string, Set<DeviceSignalHandler>>();

  async publish(accountId: string, deviceId: number, signal: DeviceSignal) {
    for (const handler of this.handlers.get(deviceChannel(accountId, deviceId)) ?? []) handler(signal);
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
}
