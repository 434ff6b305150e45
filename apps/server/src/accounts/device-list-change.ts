import { ErrorCode } from '@parley/protocol';
import type { DeviceListEntry, SignedDeviceList } from '@parley/protocol';

/** What the server knows when a device is added or removed. */
export interface ListChangeContext {
  /** `username@domain`: the address the list must name. */
  address: string;
  /** The account identity the server holds; null until the first list is accepted. */
  accountIdentityKey: string | null;
  /** Version of the current list; 0 before the first one. */
  version: number;
  /** The devices registered now. */
  devices: DeviceListEntry[];
}

export type ListChange = { add: DeviceListEntry } | { remove: number };

export interface ListChangeProblem {
  code: ErrorCode.InvalidDeviceList | ErrorCode.StaleDeviceList;
  message: string;
  extra?: Record<string, unknown>;
}

const entryKey = (d: DeviceListEntry) => `${d.deviceId} ${d.registrationId} ${d.identityKey}`;

/** Whether `proposed` lists exactly `expected` (same ids, registration ids and identity keys), in any order. */
export function listsExactly(proposed: SignedDeviceList, expected: DeviceListEntry[]): boolean {
  const want = new Set(expected.map(entryKey));
  const got = new Set(proposed.devices.map(entryKey));
  return proposed.devices.length === expected.length && want.size === got.size && [...want].every((k) => got.has(k));
}

export const invalidList = (message: string): ListChangeProblem => ({ code: ErrorCode.InvalidDeviceList, message });

/** The next list must be exactly one version newer than the current one, or another change came first. */
export function staleUnlessNext(context: Pick<ListChangeContext, 'version'>, proposed: SignedDeviceList): ListChangeProblem | null {
  if (proposed.version === context.version + 1) return null;
  return {
    code: ErrorCode.StaleDeviceList,
    message: `the list must be version ${context.version + 1}`,
    extra: { currentVersion: context.version },
  };
}

/**
 * Whether a proposed list describes exactly this change (docs/SECURITY.md):
 * it names this account, carries the account identity the server holds
 * (an identity changes only by account reset), is exactly one version
 * newer, and lists the current devices plus or minus the one changed.
 * The signature is checked by the caller. Returns null when it does.
 */
export function checkDeviceListChange(
  context: ListChangeContext,
  change: ListChange,
  proposed: SignedDeviceList,
): ListChangeProblem | null {
  if (proposed.address !== context.address) return invalidList(`the list names ${proposed.address}, not ${context.address}`);
  if (context.accountIdentityKey !== null && proposed.accountIdentityKey !== context.accountIdentityKey) {
    return invalidList('the list is signed by another account identity than this account has');
  }
  const stale = staleUnlessNext(context, proposed);
  if (stale) return stale;
  const expected = 'add' in change ? [...context.devices, change.add] : context.devices.filter((d) => d.deviceId !== change.remove);
  if (!listsExactly(proposed, expected)) {
    return invalidList(
      'add' in change
        ? 'the list must be the current devices plus the device being registered, with its id, registration id and identity key'
        : 'the list must be the current devices without the device being removed',
    );
  }
  return null;
}
