import { ProtocolAddress } from '@signalapp/libsignal-client';
import { DeviceBundle, ParleyApiError, PreKeyBundleResponse } from '@parley/protocol';
import { archiveSession, startSession, toBase64 } from '@parley/crypto';
import type { DeviceContext } from '../profile/device-context';
import { peerAddress } from './peer-address';
import { checkServedDevices, contactRecord, refuseIfIdentityPending } from '../trust/contacts';
import { fetchProvenBundles } from '../trust/key-log';

/** Whether `address` names this device's own account. */
export const isOwnAccount = (ctx: DeviceContext, address: string) => peerAddress(ctx, address) === ctx.profile.username;

/** The devices of `address` this device has current sessions with; never itself. */
export function sessionDeviceIds(ctx: DeviceContext, address: string): number[] {
  const ids = ctx.store.sessions.currentDeviceIds(address);
  return isOwnAccount(ctx, address) ? ids.filter((id) => id !== ctx.profile.deviceId) : ids;
}

/** One device's bundle; null when the device is gone (the next send's 409 settles the list). */
async function fetchDeviceBundle(ctx: DeviceContext, address: string, deviceId: number): Promise<PreKeyBundleResponse | null> {
  return fetchProvenBundles(ctx, address, deviceId).catch((error) => {
    if (error instanceof ParleyApiError && error.status === 404) return null;
    throw error;
  });
}

/**
 * Fetches bundles and runs PQXDH for `deviceIds` of `address`, or for all
 * its devices when none are named. Every bundle is checked against the
 * signed device list served with it (checkServedDevices) before any session
 * starts, so one unsigned device stops them all. For the own account the
 * device list comes from GET /v1/devices (its signed list), so that this
 * device does not spend one of its own one-time keys on itself.
 */
export async function startSessions(ctx: DeviceContext, address: string, deviceIds?: number[]): Promise<void> {
  refuseIfIdentityPending(ctx, address);
  const bundles: DeviceBundle[] = [];
  if (deviceIds === undefined && !isOwnAccount(ctx, address)) {
    const response = await fetchProvenBundles(ctx, address);
    await checkServedDevices(ctx, address, response);
    bundles.push(...response.devices);
  } else {
    let ids = deviceIds;
    if (ids === undefined) {
      const { deviceList } = await ctx.client.listDevices();
      await checkServedDevices(ctx, address, { devices: [], deviceList });
      ids = deviceList!.devices.map((d) => d.deviceId);
    }
    for (const id of ids.filter((id) => !(isOwnAccount(ctx, address) && id === ctx.profile.deviceId))) {
      const response = await fetchDeviceBundle(ctx, address, id);
      if (!response) continue;
      await checkServedDevices(ctx, address, response);
      bundles.push(...response.devices);
    }
  }
  for (const device of bundles) {
    await startSession(ctx.store, ctx.localAddress, ProtocolAddress.new(address, device.deviceId), device);
  }
}

/**
 * Before encrypting: drops sessions with devices that the newest checked
 * list of `address` does not name with the same identity key (removed
 * devices, or sessions a device not on the list started by writing first),
 * so nothing is encrypted to a device the account never signed for.
 * Returns false when no list of `address` was checked yet.
 */
export async function dropUnlistedSessions(ctx: DeviceContext, address: string): Promise<boolean> {
  refuseIfIdentityPending(ctx, address);
  const record = contactRecord(ctx, address);
  if (!record || record.listVersion === 0) return false;
  for (const id of sessionDeviceIds(ctx, address)) {
    const listed = record.devices.find((d) => d.deviceId === id);
    const identity = await ctx.store.identities.getIdentity(ProtocolAddress.new(address, id));
    if (!listed || !identity || toBase64(identity.serialize()) !== listed.identityKey) await dropSessions(ctx, address, [id]);
  }
  return true;
}

/**
 * Stops encrypting to devices that were removed or re-registered. Their
 * sessions are archived, not deleted: a message such a device sent before
 * it went away may still be queued for this device, and must decrypt.
 */
export async function dropSessions(ctx: DeviceContext, address: string, deviceIds: number[]): Promise<void> {
  for (const id of deviceIds) await archiveSession(ctx.store.sessions, ProtocolAddress.new(address, id));
}
