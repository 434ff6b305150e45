import type { DeviceListEntry, SignedDeviceList } from '@parley/protocol';
import { invalidList, ListChangeContext, ListChangeProblem, listsExactly, staleUnlessNext } from './device-list-change';

/** What the server knows when an account is reset: its list state and the device that will be the only one. */
export interface ResetContext extends Pick<ListChangeContext, 'address' | 'accountIdentityKey' | 'version'> {
  /** The device being registered, with the id the server gives it (the account's next device id). */
  newDevice: DeviceListEntry;
}

/**
 * Whether `proposed` is a valid account reset (docs/SECURITY.md): it names
 * this account, is signed by a NEW account identity (a reset by the same
 * identity is just a device change: POST /v1/devices), is exactly one
 * version newer (versions keep counting, so contacts never see one go
 * back), and lists only the new device. The account must have an identity
 * to replace. The signature is checked by the caller. Null when valid.
 */
export function checkAccountReset(context: ResetContext, proposed: SignedDeviceList): ListChangeProblem | null {
  if (proposed.address !== context.address) return invalidList(`the list names ${proposed.address}, not ${context.address}`);
  if (context.accountIdentityKey === null) {
    return invalidList('this account has no account identity to replace yet: register its first device with POST /v1/devices');
  }
  if (proposed.accountIdentityKey === context.accountIdentityKey) {
    return invalidList('a reset starts a new account identity; with the current one, add or remove devices with /v1/devices');
  }
  const stale = staleUnlessNext(context, proposed);
  if (stale) return stale;
  if (!listsExactly(proposed, [context.newDevice])) {
    return invalidList('a reset list names exactly the device being registered, with its id, registration id and identity key');
  }
  return null;
}
