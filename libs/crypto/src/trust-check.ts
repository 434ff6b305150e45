import type { DeviceListEntry, SignedDeviceList } from '@parley/protocol';

/** The devices of a fetched prekey bundle, with the signed list the server served beside them. */
export interface BundleToCheck {
  devices: DeviceListEntry[];
  deviceList: SignedDeviceList | null;
}

/** Why a bundle was refused; each one blocks sending to the whole contact. */
export type TrustFailureReason =
  | 'missing_list'
  | 'bad_signature'
  | 'wrong_address'
  | 'identity_changed'
  | 'version_rollback'
  | 'equivocation'
  | 'device_not_listed'
  | 'device_key_mismatch';

/** Safe to encrypt; `added` and `removed` are the device changes since the pinned list, for the UI. */
export interface TrustOk {
  ok: true;
  firstUse: boolean;
  added: DeviceListEntry[];
  removed: DeviceListEntry[];
}
/** Not safe to encrypt; `message` is a sentence a client can show as it is. */
export interface TrustFailure {
  ok: false;
  reason: TrustFailureReason;
  message: string;
}
export type TrustCheck = TrustOk | TrustFailure;
