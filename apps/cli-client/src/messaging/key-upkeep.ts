import type { KeyCountResponse } from '@parley/protocol';
import { topUpOneTimeKeys } from '@parley/crypto';
import type { DeviceContext } from '../profile/device-context';

/** The server's default `keys:low` threshold (API.md section 2). */
const LOW_WATER_MARK = 10;

/**
 * Tops up one-time keys to the target and uploads them; returns how many of
 * each kind were added. `counts` comes from a `keys:low` event, or is asked.
 */
export async function replenishKeys(ctx: DeviceContext, counts?: KeyCountResponse): Promise<KeyCountResponse> {
  const current = counts ?? (await ctx.client.keyCount());
  const upload = await ctx.exclusive(() => topUpOneTimeKeys(ctx.store, current));
  if (upload) await ctx.client.uploadKeys(upload);
  return { preKeys: upload?.preKeys?.length ?? 0, pqPreKeys: upload?.pqPreKeys?.length ?? 0 };
}

/** Replenishes only when the server is below the mark: run at the start of inbox and chat. */
export async function replenishKeysIfLow(ctx: DeviceContext): Promise<KeyCountResponse | null> {
  const counts = await ctx.client.keyCount();
  if (counts.preKeys >= LOW_WATER_MARK && counts.pqPreKeys >= LOW_WATER_MARK) return null;
  return replenishKeys(ctx, counts);
}
