import { ProtocolAddress } from '@signalapp/libsignal-client';
import { DeviceBundle, ParleyApiError } from '@parley/protocol';
import { startSession } from '@parley/crypto';
import type { DeviceContext } from '../profile/device-context';

/** Whether `address` names this device's own account. */
export const isOwnAccount = (ctx: DeviceContext, address: string) => address === ctx.profile.username;

/** The devices of `address` this device has sessions with; never itself. */
export function sessionDeviceIds(ctx: DeviceContext, address: string): number[] {
  const ids = ctx.store.sessions.deviceIds(address);
  return isOwnAccount(ctx, address) ? ids.filter((id) => id !== ctx.profile.deviceId) : ids;
}

/**
 * Fetches bundles and runs PQXDH for `deviceIds` of `address`, or for all
 * its devices when none are named. For the own account the device list
 * comes from GET /v1/devices, so that this device does not spend one of its
 * own one-time keys on itself.
 */
export async function startSessions(ctx: DeviceContext, address: string, deviceIds?: number[]): Promise<void> {
  const bundles: DeviceBundle[] = [];
  if (deviceIds === undefined && !isOwnAccount(ctx, address)) {
    bundles.push(...(await ctx.client.fetchBundles(address)).devices);
  } else {
    const ids = deviceIds ?? (await ctx.client.listDevices()).devices.map((d) => d.deviceId);
    for (const id of ids.filter((id) => !(isOwnAccount(ctx, address) && id === ctx.profile.deviceId))) {
      // A device removed since the server listed it is skipped: the next send's 409 settles the list.
      const bundle = await ctx.client.fetchBundles(address, id).catch((error) => {
        if (error instanceof ParleyApiError && error.status === 404) return null;
        throw error;
      });
      if (bundle) bundles.push(...bundle.devices);
    }
  }
  for (const device of bundles) {
    await startSession(ctx.store, ctx.localAddress, ProtocolAddress.new(address, device.deviceId), device);
  }
}

/** Forgets sessions with devices that were removed or re-registered. */
export async function dropSessions(ctx: DeviceContext, address: string, deviceIds: number[]): Promise<void> {
  for (const id of deviceIds) await ctx.store.sessions.deleteSession(ProtocolAddress.new(address, id));
}
