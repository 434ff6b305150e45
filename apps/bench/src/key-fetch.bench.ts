import { randomBytes } from 'node:crypto';
import { generateDeviceKeys, publicKyberPreKey, publicPreKey } from '@parley/crypto';
import type { DeviceBundle, PreKey, SignedPreKey } from '@parley/protocol';
import { percentile } from './clients';
import { Deployment, totalCpuSeconds } from './deployment';
import { BenchAccount, createAccounts, inParallel } from './population';

export interface KeyFetchOptions {
  /** Concurrent requesters, each an account with one device, each with one request in flight. */
  requesters: number;
  /** Accounts whose one-time keys are claimed; one device each. */
  targets: number;
  /** One-time keys of each kind stored per target before the run. */
  keysPerTarget: number;
  seconds: number;
  warmupSeconds: number;
}

export interface KeyFetchResult {
  fetchesPerSecond: number;
  /** One-time keys of both kinds handed out per second (two per fetch while keys last). */
  keysClaimedPerSecond: number;
  p50: number;
  p99: number;
  /** Fetches that found no one-time EC key left (the run outlasted the stored keys). */
  exhausted: number;
  /** One-time keys handed out more than once: must be 0. */
  duplicates: number;
  failed: number;
  /** CPU time of all server processes per fetch: less sensitive than fetches/s to other load on the machine. */
  serverCpuMsPerFetch: number;
}

/** CLOCK_MONOTONIC in microseconds: the clock of V8's CPU profile timestamps, in every process. */
const monotonicMicros = () => process.hrtime.bigint() / 1000n;

async function request<T>(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * Target devices with many one-time keys. Each kind reuses one real
 * public key (and, for Kyber, its real signature) under distinct key ids:
 * the server verifies every signature but keys rows by id, so setup stays
 * quick while every claim is a real DELETE … RETURNING of its own row.
 */
async function createTargets(baseUrl: string, count: number, keysPerTarget: number) {
  const run = randomBytes(3).toString('hex');
  return inParallel(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const username = `k${run}_${i}`;
      // Each target has its own identity (an identity key registers once), and its Kyber keys are signed by it.
      const keys = generateDeviceKeys(1);
      const ecKey = publicPreKey(keys.preKeys[0]).publicKey;
      const kyberKey = publicKyberPreKey(keys.pqPreKeys[0]);
      const account = await BenchAccount.create(baseUrl, username);
      const device = await account.addDevice(keys, (r) => ({ ...r, preKeys: [], pqPreKeys: [] }));
      // Key id 1 is the last-resort Kyber key; one-time ids start at 2.
      for (let first = 2; first < keysPerTarget + 2; first += 100) {
        const ids = Array.from({ length: Math.min(100, keysPerTarget + 2 - first) }, (_, j) => first + j);
        const preKeys: PreKey[] = ids.map((keyId) => ({ keyId, publicKey: ecKey }));
        const pqPreKeys: SignedPreKey[] = ids.map((keyId) => ({ ...kyberKey, keyId }));
        const res = await request(`${baseUrl}/v1/keys`, 'PUT', device.accessToken, { preKeys, pqPreKeys });
        if (res.status !== 204) throw new Error(`PUT /v1/keys: ${res.status} ${JSON.stringify(res.body)}`);
      }
      return { username, deviceId: device.deviceId };
    },
  );
}

/**
 * Bundle fetches with one-time key consumption: `requesters` clients, each
 * with one GET /v1/keys/:address/:deviceId in flight at all times, spread
 * over the targets and over the deployment's processes. Every key handed
 * out is recorded, so the run also counts duplicates (there must be none).
 */
export async function runKeyFetch(deployment: Deployment, options: KeyFetchOptions): Promise<KeyFetchResult> {
  const urls = deployment.servers.map((s) => s.url);
  const targets = await createTargets(urls[0], options.targets, options.keysPerTarget);
  const requesters = (await createAccounts(urls[0], options.requesters, 1)).map(([device]) => device);

  const seenEc = new Set<string>();
  const seenKyber = new Set<string>();
  let measuring = false;
  let stopped = false;
  let fetches = 0;
  let claimed = 0;
  let exhausted = 0;
  let duplicates = 0;
  let failed = 0;
  const latencies: number[] = [];

  const loop = async (index: number) => {
    const url = urls[index % urls.length];
    const token = requesters[index].token;
    for (let n = index; !stopped; n++) {
      const target = targets[n % targets.length];
      const started = performance.now();
      const res = await request<{ devices: DeviceBundle[] }>(`${url}/v1/keys/${target.username}/${target.deviceId}`, 'GET', token).catch(
        () => ({ status: 0, body: { devices: [] } }),
      );
      const elapsed = performance.now() - started;
      if (res.status !== 200) {
        failed++;
        continue;
      }
      const bundle = res.body.devices[0];
      // Duplicates are counted over the whole run, warm-up included.
      if (bundle.preKey) {
        const key = `${target.username}:${bundle.preKey.keyId}`;
        if (seenEc.has(key)) duplicates++;
        seenEc.add(key);
      }
      if (bundle.pqPreKey.keyId !== 1) {
        const key = `${target.username}:${bundle.pqPreKey.keyId}`;
        if (seenKyber.has(key)) duplicates++;
        seenKyber.add(key);
      }
      if (!measuring) continue;
      fetches++;
      latencies.push(elapsed);
      claimed += (bundle.preKey ? 1 : 0) + (bundle.pqPreKey.keyId !== 1 ? 1 : 0);
      if (!bundle.preKey) exhausted++;
    }
  };

  const running = Promise.all(requesters.map((_, i) => loop(i)));
  await new Promise((r) => setTimeout(r, options.warmupSeconds * 1000));
  const cpuBefore = await totalCpuSeconds(urls);
  measuring = true;
  const started = performance.now();
  const windowStart = monotonicMicros();
  await new Promise((r) => setTimeout(r, options.seconds * 1000));
  measuring = false;
  // For profile-summary.ts: the measured phase in the clock of the servers' --cpu-prof timestamps.
  process.stderr.write(`bench: key fetches measured from ${windowStart} to ${monotonicMicros()} (monotonic µs)\n`);
  const elapsed = (performance.now() - started) / 1000;
  const cpuSeconds = (await totalCpuSeconds(urls)) - cpuBefore;
  stopped = true;
  await running;

  latencies.sort((a, b) => a - b);
  return {
    fetchesPerSecond: fetches / elapsed,
    keysClaimedPerSecond: claimed / elapsed,
    p50: Number(percentile(latencies, 50).toFixed(1)),
    p99: Number(percentile(latencies, 99).toFixed(1)),
    exhausted,
    duplicates,
    failed,
    serverCpuMsPerFetch: (cpuSeconds * 1000) / fetches,
  };
}
