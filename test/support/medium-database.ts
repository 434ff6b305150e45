import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { PGliteInstance } from 'typeorm-pglite/dist/pglite-instance';
import type { ParleyConfig } from '../../apps/server/src/config/config';
import { dataSourceOptions } from '../../apps/server/src/database/database.module';
import { createTestDatabase, usingRealServices } from './server';

/** A migrated, empty database of its own, and the way to throw it away. */
export interface MediumDatabase {
  dataSource: DataSource;
  close: () => Promise<void>;
}

/**
 * A fresh database with every migration applied, opened through the
 * server's own `dataSourceOptions` (driver, pool, parsers, migrations):
 * - pass 2 of .ci/run (PARLEY_TEST_DATABASE_URL set): a scratch database
 *   on that PostgreSQL server;
 * - otherwise embedded PGlite, in memory.
 */
export function openMediumDatabase(): Promise<MediumDatabase> {
  return usingRealServices() ? openScratchPostgres() : openPGlite();
}

async function openScratchPostgres(): Promise<MediumDatabase> {
  const scratch = await createTestDatabase();
  return migrated(dataSourceOptions({ databaseUrl: scratch.url } as ParleyConfig), scratch.drop);
}

/** The worker-wide cache from test/support/environment.cjs: it outlives each test file's modules. */
const workerCache: Map<string, unknown> = (globalThis as any).__workerCache;
const TEMPLATE = 'medium-database:pglite-template';
let pgliteOpen = false;

/**
 * PGlite, in memory. A fresh PGlite runs initdb, which takes seconds, so the
 * first database of a jest worker is dumped once migrated and every later
 * one (in any test file of that worker) starts from that dump instead.
 *
 * typeorm-pglite keeps one PGlite per module registry, so a test file has
 * at most one PGlite database open at a time.
 */
async function openPGlite(): Promise<MediumDatabase> {
  if (pgliteOpen) throw new Error('a test file has one PGlite medium database at a time: close the previous one first');
  pgliteOpen = true;
  // The server keeps PGlite in <dataDir>/pg; it registers its PGlite
  // options (parsers) there. Keep those and swap only the storage.
  const dir = mkdtempSync(join(tmpdir(), 'parley-medium-'));
  const removeDir = async () => {
    rmSync(dir, { recursive: true, force: true });
    pgliteOpen = false;
  };
  try {
    const options = dataSourceOptions({ dataDir: dir } as ParleyConfig);
    const { dataDir: _onDisk, ...serverOptions } = (PGliteInstance as unknown as { options: PGliteOptions }).options;
    const template = workerCache.get(TEMPLATE) as Blob | undefined;
    PGliteInstance.setOptions({ ...serverOptions, loadDataDir: template });
    const database = await migrated(options, removeDir);
    if (!template) workerCache.set(TEMPLATE, await (await PGliteInstance.getInstance()).dumpDataDir());
    return database;
  } catch (error) {
    await removeDir();
    throw error;
  }
}

/** Initializes the data source and applies the migrations (none are pending when PGlite starts from the template). */
async function migrated(options: ReturnType<typeof dataSourceOptions>, cleanup: () => Promise<void>): Promise<MediumDatabase> {
  const dataSource = new DataSource(options);
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await cleanup();
    throw error;
  }
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await cleanup();
    },
  };
}
