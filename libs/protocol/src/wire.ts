/**
 * Request and response shapes of the wire contract (docs/API.md).
 * Binary values are standard padded base64 strings.
 */

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
}
export interface CreateDeviceResponse extends TokenPair {
  deviceId: number;
}

export interface DeviceInfo {
  deviceId: number;
  name: string;
  registrationId: number;
  createdAt: string;
  lastSeenAt: string | null;
}
export interface ListDevicesResponse {
  devices: DeviceInfo[];
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
  urgent?: boolean;
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
