import type { IdentityKeyPair } from '@signalapp/libsignal-client';
import type { DeviceListEntry, SignedDeviceList } from '@parley/protocol';
import { signDeviceList } from './account-identity';

/**
 * The next signed list of an account (one version newer than `current`,
 * or version 1 when there is none) with `entry` added: what a device
 * registration carries. `address` is `username@domain` as the account's
 * home server names it.
 */
export function signListWithDevice(
  identity: IdentityKeyPair,
  address: string,
  current: SignedDeviceList | null,
  entry: DeviceListEntry,
  now = Date.now(),
): SignedDeviceList {
  const devices = (current?.devices ?? []).filter((d) => d.deviceId !== entry.deviceId);
  return signDeviceList(identity, { address, version: (current?.version ?? 0) + 1, timestamp: now, devices: [...devices, entry] });
}

/** The next signed list without device `deviceId`: what a device removal carries. */
export function signListWithoutDevice(
  identity: IdentityKeyPair,
  current: SignedDeviceList,
  deviceId: number,
  now = Date.now(),
): SignedDeviceList {
  return signDeviceList(identity, {
    address: current.address,
    version: current.version + 1,
    timestamp: now,
    devices: current.devices.filter((d) => d.deviceId !== deviceId),
  });
}
