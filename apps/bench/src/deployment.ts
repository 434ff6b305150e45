import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, launchServer, ServerProcess } from '@parley/testkit';

export const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Storage = 'embedded' | 'postgres' | 'postgres+redis';

/** One deployment under test: one or more server processes on one storage. */
export interface Deployment {
  label: string;
  servers: ServerProcess[];
  /** The deployment's database, on PostgreSQL (the key log bench fills its outbox directly). */
  databaseUrl?: string;
  stop: () => Promise<void>;
}

/** Benchmarks must not be throttled or capped by the limits meant for people. */
const BENCH_ENV = {
  LOG_LEVEL: 'error',
  MAX_DEVICES_PER_ACCOUNT: '127',
  RATE_LIMITS:
    'keyFetch=1000000/1,keyFetchPerTarget=1000000/1,messageSend=1000000/1,messageSendPerRecipient=1000000/1,registrationPerIp=1000000/1,keyUpload=1000000/1',
  // Each bench sender writes to one recipient only: its share is the whole queue.
  MAX_QUEUED_PER_SENDER: '10000',
  // Key-fetch targets hold thousands of one-time keys, so the run does not outlast them.
  MAX_STORED_ONE_TIME_KEYS: '100000',
};

/** `extraEnv` adds to or overrides BENCH_ENV, e.g. a peer for the relay suite. */
export async function startDeployment(storage: Storage, processes: number, extraEnv: Record<string, string> = {}): Promise<Deployment> {
  const env: Record<string, string> = { ...BENCH_ENV, JWT_SECRET: randomBytes(32).toString('hex'), ...extraEnv };
  let cleanup: () => Promise<void>;
  if (storage === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
    env.PARLEY_DATA_DIR = dir;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const db = await createScratchDatabase(POSTGRES_URL);
    env.DATABASE_URL = db.url;
    cleanup = db.drop;
    if (storage === 'postgres+redis') {
      env.REDIS_URL = REDIS_URL;
      env.REDIS_PREFIX = `parley-bench-${randomBytes(4).toString('hex')}:`;
    }
  }
  const first = await launchServer(env);
  const servers = [first];
  while (servers.length < processes) servers.push(await first.sibling());
  return {
    label: `${storage}, ${processes} process${processes > 1 ? 'es' : ''}`,
    servers,
    databaseUrl: env.DATABASE_URL,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await cleanup();
    },
  };
}

/** CPU seconds the deployment's server processes have used so far, from their own /metrics. */
export async function totalCpuSeconds(urls: string[]): Promise<number> {
  const seconds = await Promise.all(
    urls.map(async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const match = /^parley_process_cpu_seconds_total (\S+)$/m.exec(text);
      return match ? Number(match[1]) : NaN;
    }),
  );
  return seconds.reduce((a, b) => a + b, 0);
}

/** Resident memory of a process in bytes, from /proc. */
export function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}
