import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { MIGRATIONS } from '@parley/migrations';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { DatabaseService } from './database.service';
import { SerializedPGlitePool } from './serialized-pglite-pool';

const BYTEA_OID = 17;

/** Any constant: every server process takes this advisory lock while migrating. */
const MIGRATION_LOCK_ID = 7_245_331;

/**
 * The one choice between embedded PGlite and PostgreSQL: both speak the
 * postgres dialect and run the same migrations.
 */
export function dataSourceOptions(config: ParleyConfig): DataSourceOptions {
  const common = { type: 'postgres' as const, migrations: MIGRATIONS, migrationsRun: false, synchronize: false, entities: [] };
  if (config.databaseUrl) {
    return { ...common, url: config.databaseUrl, extra: { max: 16 } };
  }
  const pgDir = join(config.dataDir, 'pg');
  mkdirSync(pgDir, { recursive: true });
  // Registers PGlite's options for the shared instance. bytea comes back as
  // a Buffer, as node-postgres returns it, so repositories see one type.
  new PGliteDriver({ dataDir: pgDir, parsers: { [BYTEA_OID]: (hex: string) => Buffer.from(hex.slice(2), 'hex') } });
  return { ...common, driver: { Pool: SerializedPGlitePool } };
}

/**
 * Runs pending migrations. With PostgreSQL several processes may start at
 * once, so they take turns under an advisory lock held by a side connection.
 */
async function migrate(dataSource: DataSource, config: ParleyConfig) {
  if (!config.databaseUrl) {
    await dataSource.runMigrations({ transaction: 'all' });
    return;
  }
  const lock = new Client({ connectionString: config.databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await lock.end();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [PARLEY_CONFIG],
      useFactory: async (config: ParleyConfig) => {
        const dataSource = await new DataSource(dataSourceOptions(config)).initialize();
        await migrate(dataSource, config);
        new Logger('Database').log(config.databaseUrl ? 'PostgreSQL ready' : `embedded PostgreSQL ready in ${config.dataDir}`);
        return dataSource;
      },
    },
    DatabaseService,
  ],
  exports: [DataSource, DatabaseService],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}
  async onApplicationShutdown() {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
