import type { DeviceSignal, DeviceSignalHandler } from './device-signal';

export const deviceChannel = (accountId: string, deviceId: number) => `${accountId}.${deviceId}`;

/**
 * Carries device signals from the process that causes them to the process
 * holding the device's socket. One channel per device, so a signal reaches
 * only the process that needs it (see RedisDeliveryBus for why not the
 * socket.io adapter). The implementation is chosen with the rest of the
 * shared state, in shared-state/shared-state.factory.ts.
 */
export abstract class DeliveryBus {
  /**
   * True when some process took the signal: one holds a subscription to
   * the device's channel, that is a socket of the device (or had one a
   * moment ago). False when none did, or the bus could not be reached.
   */
  abstract publish(accountId: string, deviceId: number, signal: DeviceSignal): Promise<boolean>;
  /** Returns an unsubscribe function. */
  abstract subscribe(accountId: string, deviceId: number, handler: DeviceSignalHandler): Promise<() => Promise<void>>;
  abstract close(): Promise<void>;
}
