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
  abstract publish(accountId: string, deviceId: number, signal: DeviceSignal): Promise<void>;
  /** Returns an unsubscribe function. */
  abstract subscribe(accountId: string, deviceId: number, handler: DeviceSignalHandler): Promise<() => Promise<void>>;
  abstract close(): Promise<void>;
}
