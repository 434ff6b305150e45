import { randomBytes } from 'node:crypto';
import { deviceRegistrationRequest, generateDeviceKeys } from '@parley/crypto';
import type { CreateDeviceRequest, TokenPair } from '@parley/protocol';

/** A registered device: what a benchmark client needs to connect and be addressed. */
export interface BenchDevice {
  username: string;
  deviceId: number;
  registrationId: number;
  token: string;
}

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

/**
 * Accounts with `devicesEach` devices each. The server verifies every
 * signature but does not care that devices share key material, so one
 * set of real libsignal keys serves them all and setup stays quick.
 */
export async function createAccounts(baseUrl: string, accounts: number, devicesEach: number): Promise<BenchDevice[][]> {
  const keys = generateDeviceKeys(0);
  const request: CreateDeviceRequest = deviceRegistrationRequest(keys, 'bench');
  const run = randomBytes(3).toString('hex');
  return inParallel(
    Array.from({ length: accounts }, (_, i) => i),
    8,
    async (i) => {
      const username = `b${run}_${i}`;
      await post(`${baseUrl}/v1/accounts`, { username, password: 'benchmark password' });
      const login = await post<TokenPair>(`${baseUrl}/v1/auth/login`, { username, password: 'benchmark password' });
      const devices: BenchDevice[] = [];
      for (let d = 0; d < devicesEach; d++) {
        const created = await post<TokenPair & { deviceId: number }>(`${baseUrl}/v1/devices`, request, login.accessToken);
        devices.push({ username, deviceId: created.deviceId, registrationId: keys.registrationId, token: created.accessToken });
      }
      return devices;
    },
  );
}
