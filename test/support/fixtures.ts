import { randomBytes } from 'node:crypto';
import type { CreateDeviceRequest, TokenPair } from '@parley/protocol';
import { deviceRegistrationRequest, generateDeviceKeys, GeneratedDeviceKeys } from '@parley/crypto';
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
  /** Account-scoped tokens from password login. */
  tokens: TokenPair;
}

export async function newAccount(server: Pick<TestServer, 'url'>, username = uniqueUsername()): Promise<TestAccount> {
  const created = await api(server, 'POST', '/v1/accounts', { username, password: PASSWORD });
  if (created.status !== 201) throw new Error(`register ${username}: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await api<TokenPair>(server, 'POST', '/v1/auth/login', { username, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${JSON.stringify(login.body)}`);
  return { username, password: PASSWORD, tokens: login.body };
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
  server: Pick<TestServer, 'url'>,
  account: TestAccount,
  options: { oneTimeKeys?: number; keys?: GeneratedDeviceKeys; edit?: (req: CreateDeviceRequest) => void } = {},
): Promise<TestDevice> {
  const keys = options.keys ?? generateDeviceKeys(options.oneTimeKeys ?? 5);
  const request = deviceRegistrationRequest(keys, 'test device');
  options.edit?.(request);
  const res = await api(server, 'POST', '/v1/devices', request, { token: account.tokens.accessToken });
  if (res.status !== 201) throw new Error(`create device: ${res.status} ${JSON.stringify(res.body)}`);
  return { account, username: account.username, deviceId: res.body.deviceId, keys, tokens: res.body, token: res.body.accessToken };
}

/** An account with one device: the usual actor of a test. */
export async function newUser(server: Pick<TestServer, 'url'>, options: { oneTimeKeys?: number } = {}): Promise<TestDevice> {
  return newDevice(server, await newAccount(server), options);
}
