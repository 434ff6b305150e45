/**
 * Request and response shapes of the wire contract (docs/API.md).
 * Binary values are standard padded base64 strings.
 */
import type { ListInclusion } from './transparency';
import type { SignedDeviceList } from './device-list';
import type { DeliveryFailed } from './events';

/** Limits the contract fixes; the server validates against these. */
export const Limits = {
  usernamePattern: /^[a-z0-9][a-z0-9_.]{2,31}$/,
  passwordMinLength: 8,
  passwordMaxLength: 256,
  registrationIdMin: 1,
  registrationIdMax: 16380,
  keyIdMin: 1,
  keyIdMax: 2 ** 24 - 1,
  maxKeysPerList: 100,
  ecPublicKeyBytes: 33,
  kyberPublicKeyBytes: 1569,
  signatureBytes: 64,
  challengeBytes: 32,
  maxContentBytes: 256 * 1024,
  maxRequestBytes: 2 * 1024 * 1024,
  deviceNameMaxLength: 64,
  idempotencyKeyPattern: /^[A-Za-z0-9_-]{1,64}$/,
} as const;

/** Prefix of the bytes a device signs to log in with its identity key (section 1). */
export const DEVICE_LOGIN_CONTEXT = 'parley-login-v1:';

export interface CreateAccountRequest {
  username: string;
  password: string;
}
export interface CreateAccountResponse {
  username: string;
}
export interface LoginRequest {
  username: string;
  password: string;
}
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}
export interface RefreshRequest {
  refreshToken: string;
}
export interface ChallengeRequest {
  username: string;
  deviceId: number;
}
export interface ChallengeResponse {
  challenge: string;
}
export interface DeviceLoginRequest {
  username: string;
  deviceId: number;
  challenge: string;
  signature: string;
}

export interface PreKey {
  keyId: number;
  publicKey: string;
}
export interface SignedPreKey {
  keyId: number;
  publicKey: string;
  signature: string;
}

export interface CreateDeviceRequest {
  name: string;
  registrationId: number;
  identityKey: string;
  signedPreKey: SignedPreKey;
  pqLastResortPreKey: SignedPreKey;
  preKeys?: PreKey[];
  pqPreKeys?: SignedPreKey[];
  /** The account's device list with this device added, version one more than the current one, signed by the account identity. */
  deviceList: SignedDeviceList;
}
export interface CreateDeviceResponse extends TokenPair {
  deviceId: number;
}

/**
 * GET /v1/account/reset: what an account reset's list must carry, for a
 * client that has lost every device (an account token cannot read GET
 * /v1/devices): version `currentVersion + 1`, the new device as `nextDeviceId`.
 */
export interface AccountResetInfo {
  currentVersion: number;
  nextDeviceId: number;
  /** The current list (null before the first): what a device restored from a backup signs the next list from. */
  deviceList: SignedDeviceList | null;
}

/** POST /v1/account/reset: a device registration whose list is signed by a new account identity and names only this device. */
export type ResetAccountRequest = CreateDeviceRequest;

export interface DeviceInfo {
  deviceId: number;
  name: string;
  registrationId: number;
  createdAt: string;
  lastSeenAt: string | null;
}
export interface ListDevicesResponse {
  devices: DeviceInfo[];
  /** The account's current signed device list (null before the first one). */
  deviceList: SignedDeviceList | null;
  /** The id the next registered device will get: what a signer puts into the next list. */
  nextDeviceId: number;
}

export interface UploadKeysRequest {
  signedPreKey?: SignedPreKey;
  pqLastResortPreKey?: SignedPreKey;
  preKeys?: PreKey[];
  pqPreKeys?: SignedPreKey[];
}
export interface KeyCountResponse {
  preKeys: number;
  pqPreKeys: number;
}

export interface DeviceBundle {
  deviceId: number;
  registrationId: number;
  identityKey: string;
  signedPreKey: SignedPreKey;
  preKey: PreKey | null;
  pqPreKey: SignedPreKey;
}
export interface PreKeyBundleResponse {
  address: string;
  devices: DeviceBundle[];
  /** The account's current signed device list; null only for an account that never had one. */
  deviceList: SignedDeviceList | null;
  /** The list's leaf in its server's key log and its inclusion proof (API.md section 8); null while the leaf waits to be sequenced (at most about a second), absent from servers without a key log. */
  transparency?: ListInclusion | null;
}

/** DELETE /v1/devices/:deviceId: the list without that device, version one more than the current one. */
export interface RemoveDeviceRequest {
  deviceList: SignedDeviceList;
}

/** POST /v1/provisioning: a linking slot for a new device. */
export interface ProvisioningSlot {
  slotId: string;
  expiresIn: number;
}

/** PUT and GET /v1/provisioning/:slotId: a provisioning message sealed to the new device's identity key. */
export interface ProvisioningEnvelope {
  message: string;
}

export interface OutgoingMessage {
  destinationDeviceId: number;
  destinationRegistrationId: number;
  type: number;
  content: string;
}
export interface SendMessagesRequest {
  timestamp: number;
  online?: boolean;
  /** Default true; false: a device that is not connected is woken with low urgency (section 9). */
  urgent?: boolean;
  /** Client-chosen; a retry with the same key stores nothing twice (section 3, "Idempotent sends"). */
  idempotencyKey?: string;
  messages: OutgoingMessage[];
}
export interface SendMessagesResponse {
  needsSync?: boolean;
}

export interface Envelope {
  id: string;
  source: string;
  sourceDeviceId: number;
  type: number;
  content: string;
  timestamp: number;
  serverTimestamp: number;
}
export interface MessageListResponse {
  messages: Envelope[];
  more: boolean;
}
/** GET /v1/delivery-failures: the device's unacknowledged `delivery:failed` notices, oldest first (API.md section 3). */
export interface DeliveryFailureListResponse {
  failures: DeliveryFailed[];
  more: boolean;
}
