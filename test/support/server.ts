import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Starts the built server (dist/, made by `npm test`'s build step) as a real
 * child process, exactly as `npm start` does, with its own storage:
 * - embedded PGlite in a fresh temp dir by default;
 * - a fresh database on PARLEY_TEST_DATABASE_URL's server when that is set
 *   (the second pass of .ci/run), plus REDIS_URL from PARLEY_TEST_REDIS_URL.
 */
export interface TestServer {
  url: string;
  port: number;
  env: Record<string, string>;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
  /** SIGKILL, no cleanup of storage: for crash tests that restart on the same storage. */
  kill: () => Promise<void>;
  /** Start another process on the same storage (and Redis), e.g. for scale-out or restart tests. */
  sibling: (extraEnv?: Record<string, string>) => Promise<TestServer>;
}

export const usingRealServices = (): boolean => Boolean(process.env.PARLEY_TEST_DATABASE_URL);

const SERVER_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'server', 'apps', 'server', 'src', 'main.js');

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Creates an empty database for one test server; returns its URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.PARLEY_TEST_DATABASE_URL!;
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

async function launch(env: Record<string, string>, cleanup: () => Promise<void>): Promise<TestServer> {
  const port = await freePort();
  const fullEnv = { ...env, PORT: String(port) };
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...fullEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`server did not start:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const server: TestServer = {
    url, port, env: fullEnv, process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) { child.kill('SIGTERM'); await exited; }
      await cleanup();
    },
    kill: async () => {
      if (child.exitCode === null) { child.kill('SIGKILL'); await exited; }
    },
    sibling: (extraEnv = {}) => launch({ ...env, ...extraEnv }, async () => undefined),
  };
  return server;
}

/** A fresh server with fresh storage. `env` overrides or adds configuration. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const base: Record<string, string> = { JWT_SECRET: randomBytes(32).toString('hex') };
  if (usingRealServices()) {
    const db = await createTestDatabase();
    base.DATABASE_URL = db.url;
    if (process.env.PARLEY_TEST_REDIS_URL) {
      base.REDIS_URL = process.env.PARLEY_TEST_REDIS_URL;
      // Test deployments share one Redis: each gets its own key space.
      base.REDIS_PREFIX = `parley-test-${randomBytes(4).toString('hex')}:`;
    }
    return launch({ ...base, ...env }, db.drop);
  }
  const dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  base.PARLEY_DATA_DIR = dir;
  return launch({ ...base, ...env }, async () => rmSync(dir, { recursive: true, force: true }));
}
