import type { SignedDeviceList } from '../device-list';
import type { PushSubscriptionRequest, PushSubscriptionStatus, VapidKeyResponse } from '../push';
import type { AuditLogResponse, ReportKeyLogAlarmRequest } from '../audit';
import type {
  BackupResponse,
  PinLoginFinishResponse,
  PinLoginStartResponse,
  PinRegistrationResponse,
  PutBackupRequest,
  PutBackupResponse,
  SetPinRequest,
} from '../backups';
import type {
  CheckpointResponse,
  ConsistencyProofResponse,
  InclusionProofResponse,
  KeyLogLeafResponse,
  KeyLogLeavesResponse,
} from '../transparency';
import type {
  AccountResetInfo,
  ChallengeResponse,
  CreateAccountResponse,
  CreateDeviceRequest,
  CreateDeviceResponse,
  KeyCountResponse,
  ListDevicesResponse,
  DeliveryFailureListResponse,
  MessageListResponse,
  PreKeyBundleResponse,
  ProvisioningEnvelope,
  ProvisioningSlot,
  RemoveDeviceRequest,
  ResetAccountRequest,
  SendMessagesRequest,
  SendMessagesResponse,
  TokenPair,
  UploadKeysRequest,
} from '../wire';
import { ParleyApiError } from './api-error';
import { HttpTransport } from './http-transport';
import { TokenKeeper } from './token-keeper';

const segment = encodeURIComponent;

const SEND_ATTEMPTS = 3;
const SEND_RETRY_DELAY_MS = 250;

/** A random UUID: unique per message without coordination (Web Crypto, so browsers can use the SDK too). */
export const newIdempotencyKey = () => globalThis.crypto.randomUUID();

/**
 * The request may or may not have reached the server: fetch failed (a
 * TypeError, matched by name since it may come from another realm), or a
 * gateway gave up on it.
 */
const isUnanswered = (error: unknown) =>
  (error as Error | undefined)?.name === 'TypeError' || (error instanceof ParleyApiError && [502, 503, 504].includes(error.status));

/** GET /federation/v1/server-key: the domain the server names its users with, and its federation key. */
export interface ServerKeyResponse {
  domain: string;
  /** Base64 of the server's 32-byte Ed25519 public key. */
  publicKey: string;
}

/**
 * Every HTTP route of the contract (API.md sections 1-3), typed with the
 * shapes the server itself validates against. Tokens from login and device
 * creation are kept by `tokens`, and refreshed transparently.
 */
export class ParleyClient {
  readonly tokens: TokenKeeper;
  private readonly http: HttpTransport;

  constructor(
    readonly baseUrl: string,
    tokens?: TokenPair,
  ) {
    this.tokens = new TokenKeeper((refreshToken) => this.refresh(refreshToken));
    this.http = new HttpTransport(baseUrl, this.tokens);
    if (tokens) this.tokens.set(tokens);
  }

  createAccount(username: string, password: string) {
    return this.http.request<CreateAccountResponse>('POST', '/v1/accounts', { username, password }, false);
  }

  /** Account-scoped tokens: enough to create a device, nothing else. */
  async login(username: string, password: string): Promise<TokenPair> {
    const pair = await this.http.request<TokenPair>('POST', '/v1/auth/login', { username, password }, false);
    this.tokens.set(pair);
    return pair;
  }

  /** Registers this device; from here on the client holds the new device's tokens. */
  async createDevice(request: CreateDeviceRequest): Promise<CreateDeviceResponse> {
    const created = await this.http.request<CreateDeviceResponse>('POST', '/v1/devices', request);
    this.tokens.set(created);
    return created;
  }

  /** Account or device token: the list version and device id a reset list must carry. */
  resetInfo() {
    return this.http.request<AccountResetInfo>('GET', '/v1/account/reset');
  }

  /**
   * Replaces the account identity and every device with this one device
   * (docs/SECURITY.md, "Account reset"); from here on the client holds the
   * new device's tokens. Every contact sees an identity change.
   */
  async resetAccount(request: ResetAccountRequest): Promise<CreateDeviceResponse> {
    const created = await this.http.request<CreateDeviceResponse>('POST', '/v1/account/reset', request);
    this.tokens.set(created);
    return created;
  }

  /** One page (100) of the account's audit log after seq `after`, oldest first; `more` says another page follows. */
  auditLog(after = 0) {
    return this.http.request<AuditLogResponse>('GET', `/v1/account/audit?after=${after}`);
  }
  /** Puts what this device's key log monitor found in the account's audit log (API.md, "Audit log"). */
  reportKeyLogAlarm(report: ReportKeyLogAlarmRequest) {
    return this.http.request<void>('POST', '/v1/account/audit/alarms', report);
  }

  listDevices() {
    return this.http.request<ListDevicesResponse>('GET', '/v1/devices');
  }
  /** `deviceList` is the account's next list, without `deviceId`, signed by the account identity. */
  removeDevice(deviceId: number, deviceList: SignedDeviceList) {
    const body: RemoveDeviceRequest = { deviceList };
    return this.http.request<void>('DELETE', `/v1/devices/${deviceId}`, body);
  }

  /** Stores or replaces the backup under `backupId` if it is at `expectedVersion` (0: none yet); 409 backup_version_conflict if not. */
  putBackup(backupId: string, request: PutBackupRequest) {
    return this.http.request<PutBackupResponse>('PUT', `/v1/backups/${segment(backupId)}`, request);
  }
  /** The backup under `backupId` (account or device token), or null when there is none. */
  async getBackup(backupId: string): Promise<BackupResponse | null> {
    try {
      return await this.http.request<BackupResponse>('GET', `/v1/backups/${segment(backupId)}`);
    } catch (error) {
      if (error instanceof ParleyApiError && error.status === 404) return null;
      throw error;
    }
  }
  deleteBackup(backupId: string) {
    return this.http.request<void>('DELETE', `/v1/backups/${segment(backupId)}`);
  }
  /** Backup PIN, OPAQUE messages from @serenity-kit/opaque (API.md section 10, "PIN"); setting one takes a device token. */
  startPinRegistration(registrationRequest: string) {
    return this.http.request<PinRegistrationResponse>('POST', '/v1/backup-pin/registration', { registrationRequest });
  }
  setPin(request: SetPinRequest) {
    return this.http.request<void>('PUT', '/v1/backup-pin', request);
  }
  deletePin() {
    return this.http.request<void>('DELETE', '/v1/backup-pin');
  }
  /** Counts one guess at the PIN (account token is enough). */
  startPinLogin(startLoginRequest: string) {
    return this.http.request<PinLoginStartResponse>('POST', '/v1/backup-pin/login', { startLoginRequest });
  }
  finishPinLogin(finishLoginRequest: string) {
    return this.http.request<PinLoginFinishResponse>('POST', '/v1/backup-pin/login/finish', { finishLoginRequest });
  }

  /** New device, account token: a linking slot for the code it shows. */
  openProvisioningSlot() {
    return this.http.request<ProvisioningSlot>('POST', '/v1/provisioning');
  }

  /** Existing device: leaves the provisioning message, sealed to the new device, in its slot (204). */
  leaveProvisioningMessage(slotId: string, message: string) {
    const body: ProvisioningEnvelope = { message };
    return this.http.request<void>('PUT', `/v1/provisioning/${segment(slotId)}`, body);
  }

  /** New device, polling: the sealed message once it is there (the slot is then gone), null while empty (204). */
  async collectProvisioningMessage(slotId: string): Promise<ProvisioningEnvelope | null> {
    return (await this.http.request<ProvisioningEnvelope | undefined>('GET', `/v1/provisioning/${segment(slotId)}`)) ?? null;
  }

  /** The server's domain (lists name this account `username@domain`) and federation key; no token needed. */
  serverKey() {
    return this.http.request<ServerKeyResponse>('GET', '/federation/v1/server-key', undefined, false);
  }

  challenge(username: string, deviceId: number) {
    return this.http.request<ChallengeResponse>('POST', '/v1/auth/challenge', { username, deviceId }, false);
  }

  async deviceLogin(username: string, deviceId: number, challenge: string, signature: string): Promise<TokenPair> {
    const pair = await this.http.request<TokenPair>('POST', '/v1/auth/device', { username, deviceId, challenge, signature }, false);
    this.tokens.set(pair);
    return pair;
  }

  refresh(refreshToken: string) {
    return this.http.request<TokenPair>('POST', '/v1/auth/refresh', { refreshToken }, false);
  }

  logout() {
    return this.http.request<void>('POST', '/v1/auth/logout');
  }

  uploadKeys(request: UploadKeysRequest) {
    return this.http.request<void>('PUT', '/v1/keys', request);
  }
  keyCount() {
    return this.http.request<KeyCountResponse>('GET', '/v1/keys/count');
  }

  /** Consumes one one-time key of each kind per device returned (API.md section 2). */
  fetchBundles(address: string, deviceId?: number) {
    const path = deviceId === undefined ? `/v1/keys/${segment(address)}` : `/v1/keys/${segment(address)}/${deviceId}`;
    return this.http.request<PreKeyBundleResponse>('GET', path);
  }

  /**
   * Sends one fan-out under an idempotency key (the request's, or a new
   * one), retrying when no answer came back (the connection failed, or a
   * 502/503/504 from a proxy): the server stores it at most once whatever
   * happened to an earlier attempt (API.md section 3, "Idempotent sends").
   */
  async sendMessages(address: string, request: SendMessagesRequest): Promise<SendMessagesResponse | undefined> {
    const keyed: SendMessagesRequest = { ...request, idempotencyKey: request.idempotencyKey ?? newIdempotencyKey() };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.http.request<SendMessagesResponse | undefined>('PUT', `/v1/messages/${segment(address)}`, keyed);
      } catch (error) {
        if (attempt >= SEND_ATTEMPTS || !isUnanswered(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, SEND_RETRY_DELAY_MS * attempt));
      }
    }
  }

  /** The key log's newest signed checkpoint and the log's verifier key (API.md section 8); no token needed. */
  keyLogCheckpoint() {
    return this.http.request<CheckpointResponse>('GET', '/v1/transparency/checkpoint', undefined, false);
  }
  keyLogConsistency(from: number, to: number) {
    return this.http.request<ConsistencyProofResponse>('GET', `/v1/transparency/consistency?from=${from}&to=${to}`, undefined, false);
  }
  /** A peer's key log as this server relays it, with the verifier key of the peer's federation key this server pinned. */
  peerKeyLogCheckpoint(domain: string) {
    return this.http.request<CheckpointResponse>('GET', `/v1/transparency/logs/${segment(domain)}/checkpoint`);
  }
  peerKeyLogConsistency(domain: string, from: number, to: number) {
    return this.http.request<ConsistencyProofResponse>('GET', `/v1/transparency/logs/${segment(domain)}/consistency?from=${from}&to=${to}`);
  }
  /** Up to KEY_LOG_LEAVES_PER_PAGE consecutive leaves from `start` (device token). */
  keyLogLeaves(start: number, count: number) {
    return this.http.request<KeyLogLeavesResponse>('GET', `/v1/transparency/leaves?start=${start}&count=${count}`);
  }
  keyLogInclusion(index: number, size: number) {
    return this.http.request<InclusionProofResponse>('GET', `/v1/transparency/inclusion?index=${index}&size=${size}`, undefined, false);
  }
  /** One leaf's bytes (device token: a leaf names an account). */
  keyLogLeaf(index: number) {
    return this.http.request<KeyLogLeafResponse>('GET', `/v1/transparency/leaves/${index}`);
  }

  listMessages() {
    return this.http.request<MessageListResponse>('GET', '/v1/messages');
  }

  /** The server's VAPID public key (API.md section 9): pass it as `applicationServerKey` when subscribing. */
  vapidKey() {
    return this.http.request<VapidKeyResponse>('GET', '/v1/push/vapid-key');
  }
  /** Registers (or replaces) this device's Web Push subscription, e.g. `subscription.toJSON()` from a browser. */
  registerPushSubscription(subscription: PushSubscriptionRequest) {
    return this.http.request<PushSubscriptionStatus>('PUT', '/v1/push/subscription', subscription);
  }
  removePushSubscription() {
    return this.http.request<void>('DELETE', '/v1/push/subscription');
  }
  /** This device's subscription and what its push service last answered; null when it has none. */
  async pushSubscriptionStatus(): Promise<PushSubscriptionStatus | null> {
    try {
      return await this.http.request<PushSubscriptionStatus>('GET', '/v1/push/subscription');
    } catch (error) {
      if (error instanceof ParleyApiError && error.status === 404) return null;
      throw error;
    }
  }
  ackMessage(id: string) {
    return this.http.request<void>('DELETE', `/v1/messages/${segment(id)}`);
  }
  /** This device's federated sends that finally failed and that it has not acknowledged yet, oldest first. */
  listDeliveryFailures() {
    return this.http.request<DeliveryFailureListResponse>('GET', '/v1/delivery-failures');
  }
  ackDeliveryFailure(id: string) {
    return this.http.request<void>('DELETE', `/v1/delivery-failures/${segment(id)}`);
  }
}
