import { ContactRecord, ContactStore, ContactTrust, TrustFailureReason } from '@parley/crypto';
import { DeviceListEntry, ListInclusion, SignedDeviceList, parseAddress } from '@parley/protocol';
import { CliError, ExitCode } from '../cli-error';
import type { DeviceContext } from '../profile/device-context';
import { keyLogTrust, rememberOwnList, withKeyLogAlarm } from './key-log';

/** Contact records kept in the encrypted profile; each change is written at once, like a session. */
export class ProfileContactStore implements ContactStore {
  constructor(private readonly ctx: DeviceContext) {}

  async get(address: string): Promise<ContactRecord | null> {
    const record = this.ctx.profile.contacts[address];
    return record ? structuredClone(record) : null;
  }

  async put(record: ContactRecord): Promise<void> {
    this.ctx.profile.contacts[record.address] = structuredClone(record);
    await this.ctx.store.save();
  }
}

export const contactTrust = (ctx: DeviceContext) => new ContactTrust(new ProfileContactStore(ctx));

/**
 * The full `username@domain` that signed lists name `user` by: a user of
 * this server gets its domain, so `bob` and `bob@localhost` are one contact.
 */
export function contactAddress(ctx: DeviceContext, user: string): string {
  const parsed = parseAddress(user);
  if (!parsed) throw new CliError(`not a user address: ${user}`, ExitCode.Usage);
  return `${parsed.username}@${parsed.domain ?? ctx.profile.domain}`;
}

export const contactRecord = (ctx: DeviceContext, user: string): ContactRecord | null =>
  ctx.profile.contacts[contactAddress(ctx, user)] ?? null;

/** Nothing may be encrypted to this contact: a device list did not check out, or its account identity changed. */
export class UntrustedError extends CliError {
  constructor(
    message: string,
    readonly reason: TrustFailureReason,
  ) {
    super(message, ExitCode.Untrusted);
  }
}

/** What a bundle response or a device listing brings: devices to encrypt to and the list served beside them. */
export interface ServedDevices {
  devices: DeviceListEntry[];
  deviceList: SignedDeviceList | null;
  /** The list's key log proof; a bundle's (devices to encrypt to) must carry one. */
  transparency?: ListInclusion | null;
}

/**
 * Checks devices the server offers for `user` against the signed list it
 * served with them and the identity pinned for `user` (ContactTrust), and
 * a bundle's list against the key log (KeyLogTrust: leaf, checkpoint by
 * the pinned log key, inclusion, consistency) before the list is pinned.
 * A device listing (GET /v1/devices, this account's own, no devices to
 * encrypt to) carries no proof and is checked without one; `monitor`
 * checks the own account's leaves. Throws UntrustedError or KeyLogAlarm
 * when they do not check out; on success remembers any device change for
 * the user to be told about.
 */
export async function checkServedDevices(ctx: DeviceContext, user: string, served: ServedDevices): Promise<void> {
  const address = contactAddress(ctx, user);
  const devices = served.devices.map(({ deviceId, registrationId, identityKey }) => ({ deviceId, registrationId, identityKey }));
  const inLog =
    devices.length > 0 || served.transparency !== undefined
      ? (list: SignedDeviceList) => keyLogTrust(ctx).checkList(list, served.transparency)
      : undefined;
  const result = await withKeyLogAlarm(() =>
    contactTrust(ctx).checkBundle(address, { devices, deviceList: served.deviceList ?? null }, inLog),
  );
  if (!result.ok) throw new UntrustedError(result.message, result.reason);
  rememberOwnList(ctx, served.deviceList!);
  if (!result.firstUse && (result.added.length > 0 || result.removed.length > 0)) {
    ctx.noteDeviceChange({ address, added: result.added.map((d) => d.deviceId), removed: result.removed.map((d) => d.deviceId) });
  }
}

/** Refuses at once when `user`'s account identity changed and the user has not accepted it yet. */
export function refuseIfIdentityPending(ctx: DeviceContext, user: string): void {
  const record = contactRecord(ctx, user);
  if (record?.pendingIdentityKey) {
    const address = record.address;
    throw new UntrustedError(
      `${address}'s account identity changed; run \`parley trust ${address}\` after checking the safety number`,
      'identity_changed',
    );
  }
}
