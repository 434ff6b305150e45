import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createScratchDatabase, launchServer, ServerProcess } from '@parley/testkit';

/**
 * Test servers are real processes (see @parley/testkit) with their own storage:
 * - embedded PGlite in a fresh temp dir by default;
 * - a fresh database on PARLEY_TEST_DATABASE_URL's server when that is set
 *   (the second pass of .ci/run), plus REDIS_URL from PARLEY_TEST_REDIS_URL
 *   unless `env` names a Redis of its own (REDIS_URL or REDIS_CLUSTER_NODES).
 */
export type TestServer = ServerProcess;

export const usingRealServices = (): boolean => Boolean(process.env.PARLEY_TEST_DATABASE_URL);

/** Creates an empty database on PARLEY_TEST_DATABASE_URL's server. */
export const createTestDatabase = () => createScratchDatabase(process.env.PARLEY_TEST_DATABASE_URL!);

/** A fresh server with fresh storage. `env` overrides or adds configuration. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  // Test peers listen on http://127.0.0.1: plain http must be allowed explicitly (docs/FEDERATION.md).
  const base: Record<string, string> = { JWT_SECRET: randomBytes(32).toString('hex'), FEDERATION_ALLOW_HTTP: 'true' };
  if (usingRealServices()) {
    const db = await createTestDatabase();
    base.DATABASE_URL = db.url;
    if (process.env.PARLEY_TEST_REDIS_URL && !env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
      base.REDIS_URL = process.env.PARLEY_TEST_REDIS_URL;
      // Test deployments share one Redis: each gets its own key space.
      base.REDIS_PREFIX = `parley-test-${randomBytes(4).toString('hex')}:`;
    }
    return launchServer({ ...base, ...env }, db.drop);
  }
  const dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  base.PARLEY_DATA_DIR = dir;
  return launchServer({ ...base, ...env }, async () => rmSync(dir, { recursive: true, force: true }));
}
