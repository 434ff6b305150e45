import { randomBytes } from 'node:crypto';
import type { IdentityKeyPair } from '@signalapp/libsignal-client';
import { DEVICE_LOGIN_CONTEXT } from '@parley/protocol';
import type { CreateDeviceRequest, SignedDeviceList, TokenPair } from '@parley/protocol';
import {
  deviceListEntry,
  deviceRegistrationRequest,
  generateAccountIdentity,
  generateDeviceKeys,
  GeneratedDeviceKeys,
  signDeviceList,
  signListWithDevice,
  signListWithoutDevice,
  toBase64,
} from '@parley/crypto';
import type { TestServer } from './server';

/**
 * Small factories for e2e tests: raw HTTP against a running test server
 * (so tests see exact statuses, headers and bodies), and accounts and
 * devices with real libsignal keys.
 */

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  /** Sent as is instead of JSON.stringify(body), e.g. for malformed JSON. */
  raw?: string;
  /** X-Forwarded-For: the client address a server that trusts the test's loopback proxy (TRUST_PROXY) sees. */
  from?: string;
}

export async function api<T = any>(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.from) headers['x-forwarded-for'] = options.from;
  const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const PASSWORD = 'correct horse battery';

export const uniqueUsername = (prefix = 'u') => `${prefix}${randomBytes(5).toString('hex')}`;

export interface TestAccount {
  username: string;
  password: string;
  /** `username@domain`: what the account's signed device lists name. */
  address: string;
  /** Account-scoped tokens from password login. */
  tokens: TokenPair;
  /** The account identity every device list is signed with (its devices share it). */
  identity: IdentityKeyPair;
  /** The newest list this test signed and the server accepted. */
  deviceList: SignedDeviceList | null;
  /** The id the server gives the next device (ids are never reused). */
  nextDeviceId: number;
}

type ServerRef = Pick<TestServer, 'url'> & { env?: Record<string, string> };

const domainOf = (server: ServerRef) => server.env?.PARLEY_DOMAIN ?? 'localhost';

export async function newAccount(server: ServerRef, username = uniqueUsername()): Promise<TestAccount> {
  const created = await api(server, 'POST', '/v1/accounts', { username, password: PASSWORD });
  if (created.status !== 201) throw new Error(`register ${username}: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await api<TokenPair>(server, 'POST', '/v1/auth/login', { username, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${JSON.stringify(login.body)}`);
  const address = `${username}@${domainOf(server)}`;
  return {
    username,
    password: PASSWORD,
    address,
    tokens: login.body,
    identity: generateAccountIdentity(),
    deviceList: null,
    nextDeviceId: 1,
  };
}

/**
 * A POST /v1/devices body for `keys` as the account's next device, with
 * the next device list signed by the account identity. The account's
 * list and next id advance only once the server accepts it (`accepted`).
 */
export function registrationFor(account: TestAccount, keys: GeneratedDeviceKeys, name = 'test device') {
  const deviceList = signListWithDevice(account.identity, account.address, account.deviceList, deviceListEntry(keys, account.nextDeviceId));
  return {
    request: deviceRegistrationRequest(keys, name, deviceList),
    accepted: () => {
      account.deviceList = deviceList;
      account.nextDeviceId++;
    },
  };
}

/**
 * A POST /v1/account/reset body: `keys` as the account's only device, on a
 * list one version newer signed by a fresh account identity. The account
 * takes the new identity and list once the server accepts it (`accepted`).
 */
export function resetFor(account: TestAccount, keys: GeneratedDeviceKeys, name = 'reset device') {
  const identity = generateAccountIdentity();
  const deviceList = signDeviceList(identity, {
    address: account.address,
    version: (account.deviceList?.version ?? 0) + 1,
    timestamp: Date.now(),
    devices: [deviceListEntry(keys, account.nextDeviceId)],
  });
  return {
    identity,
    request: deviceRegistrationRequest(keys, name, deviceList),
    accepted: () => {
      Object.assign(account, { identity, deviceList, nextDeviceId: account.nextDeviceId + 1 });
    },
  };
}

/** A DELETE /v1/devices/:id body: the account's list without that device, signed. */
export function removalFor(account: TestAccount, deviceId: number) {
  const deviceList = signListWithoutDevice(account.identity, account.deviceList!, deviceId);
  return { request: { deviceList }, accepted: () => (account.deviceList = deviceList) };
}

/** Removes a device the way a client must: with the signed list without it. */
export async function removeDevice(server: ServerRef, by: TestDevice, deviceId: number): Promise<ApiResponse> {
  const removal = removalFor(by.account, deviceId);
  const res = await api(server, 'DELETE', `/v1/devices/${deviceId}`, removal.request, { token: by.token });
  if (res.status === 204) removal.accepted();
  return res;
}

export interface TestDevice {
  account: TestAccount;
  username: string;
  deviceId: number;
  keys: GeneratedDeviceKeys;
  /** Device-scoped tokens. */
  tokens: TokenPair;
  token: string;
}

export async function newDevice(
  server: ServerRef,
  account: TestAccount,
  options: { oneTimeKeys?: number; keys?: GeneratedDeviceKeys; edit?: (req: CreateDeviceRequest) => void } = {},
): Promise<TestDevice> {
  const keys = options.keys ?? generateDeviceKeys(options.oneTimeKeys ?? 5);
  const registration = registrationFor(account, keys);
  options.edit?.(registration.request);
  const res = await api(server, 'POST', '/v1/devices', registration.request, { token: account.tokens.accessToken });
  if (res.status !== 201) throw new Error(`create device: ${res.status} ${JSON.stringify(res.body)}`);
  registration.accepted();
  return { account, username: account.username, deviceId: res.body.deviceId, keys, tokens: res.body, token: res.body.accessToken };
}

/** A new session of a device, through a challenge signed with its identity key (API.md section 1). */
export async function deviceLogin(server: ServerRef, device: TestDevice): Promise<ApiResponse<TokenPair>> {
  const { username, deviceId } = device;
  const { challenge } = (await api(server, 'POST', '/v1/auth/challenge', { username, deviceId })).body;
  const signed = Buffer.concat([Buffer.from(DEVICE_LOGIN_CONTEXT), Buffer.from(challenge, 'base64')]);
  const signature = toBase64(device.keys.identity.privateKey.sign(new Uint8Array(signed)));
  return api<TokenPair>(server, 'POST', '/v1/auth/device', { username, deviceId, challenge, signature });
}

/** An account with one device: the usual actor of a test. */
export async function newUser(server: ServerRef, options: { oneTimeKeys?: number } = {}): Promise<TestDevice> {
  return newDevice(server, await newAccount(server), options);
}
