import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

/**
 * A real Parley server process, started exactly as `npm start` starts it
 * (the built dist/ entry point), for tests and benchmarks.
 */
export interface ServerProcess {
  url: string;
  port: number;
  env: Record<string, string>;
  process: ChildProcess;
  output: () => string;
  /** SIGTERM, then the storage cleanup given at launch. */
  stop: () => Promise<void>;
  /** SIGKILL, no cleanup of storage: for crash tests that restart on the same storage. */
  kill: () => Promise<void>;
  /** Another process on the same storage (and Redis): scale-out, or a restart after kill(). */
  sibling: (extraEnv?: Record<string, string>) => Promise<ServerProcess>;
}

/** The repository root: the nearest folder above this file whose package.json is Parley's. */
function repositoryRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'parley') return dir;
  }
  throw new Error('cannot find the Parley repository root');
}

export const SERVER_MAIN = join(repositoryRoot(), 'dist', 'apps', 'server', 'apps', 'server', 'src', 'main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Creates an empty database on `baseUrl`'s server; returns its URL and a drop function. */
export async function createScratchDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

/** Spawns the server with `env` (PORT is chosen unless given) and waits until /healthz answers. */
export async function launchServer(
  env: Record<string, string>,
  cleanup: () => Promise<void> = async () => undefined,
): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const fullEnv = { ...env, PORT: String(port) };
  // PARLEY_SERVER_NODE_ARGS passes flags to the server's node, e.g. --cpu-prof when profiling a benchmark.
  const nodeArgs = process.env.PARLEY_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, SERVER_MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...fullEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const { PORT: _ownPort, ...shared } = fullEnv;
  return {
    url,
    port,
    env: fullEnv,
    process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await cleanup();
    },
    kill: async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    sibling: (extraEnv = {}) => launchServer({ ...shared, ...extraEnv }),
  };
}
