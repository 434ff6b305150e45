import { randomBytes } from 'node:crypto';
import {
  deviceListEntry,
  deviceRegistrationRequest,
  generateAccountIdentity,
  generateDeviceKeys,
  GeneratedDeviceKeys,
  signListWithDevice,
} from '@parley/crypto';
import type { CreateDeviceRequest, SignedDeviceList, TokenPair } from '@parley/protocol';

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

/** A benchmark account: its account identity signs each device list, as a real client's does. */
export class BenchAccount {
  private readonly identity = generateAccountIdentity();
  private deviceList: SignedDeviceList | null = null;
  private constructor(
    readonly baseUrl: string,
    readonly username: string,
    readonly address: string,
    readonly accountToken: string,
  ) {}

  static async create(baseUrl: string, username: string): Promise<BenchAccount> {
    await post(`${baseUrl}/v1/accounts`, { username, password: 'benchmark password' });
    const login = await post<TokenPair>(`${baseUrl}/v1/auth/login`, { username, password: 'benchmark password' });
    const { domain } = (await (await fetch(`${baseUrl}/federation/v1/server-key`)).json()) as { domain: string };
    return new BenchAccount(baseUrl, username, `${username}@${domain}`, login.accessToken);
  }

  /** Registers the next device (ids count up from 1) with `keys`, edited by `shape` (e.g. fewer one-time keys). */
  async addDevice(keys: GeneratedDeviceKeys, shape: (request: CreateDeviceRequest) => CreateDeviceRequest = (r) => r) {
    const deviceId = (this.deviceList?.devices.length ?? 0) + 1;
    const deviceList = signListWithDevice(this.identity, this.address, this.deviceList, deviceListEntry(keys, deviceId));
    const request = shape(deviceRegistrationRequest(keys, 'bench', deviceList));
    const created = await post<TokenPair & { deviceId: number }>(`${this.baseUrl}/v1/devices`, request, this.accountToken);
    this.deviceList = deviceList;
    return created;
  }
}

/**
 * Accounts with `devicesEach` devices each, every device with its own real
 * libsignal keys (an identity key registers once) but no one-time keys,
 * so setup stays quick.
 */
export async function createAccounts(baseUrl: string, accounts: number, devicesEach: number): Promise<BenchDevice[][]> {
  const run = randomBytes(3).toString('hex');
  return inParallel(
    Array.from({ length: accounts }, (_, i) => i),
    8,
    async (i) => {
      const account = await BenchAccount.create(baseUrl, `b${run}_${i}`);
      const devices: BenchDevice[] = [];
      for (let d = 0; d < devicesEach; d++) {
        const keys = generateDeviceKeys(0);
        const created = await account.addDevice(keys);
        devices.push({
          username: account.username,
          deviceId: created.deviceId,
          registrationId: keys.registrationId,
          token: created.accessToken,
        });
      }
      return devices;
    },
  );
}
