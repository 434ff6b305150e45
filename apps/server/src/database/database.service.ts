import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';

/** A query config node-postgres prepares once per connection under `name` (its QueryConfig). */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** An open transaction, passed to repository methods that must join it. */
export type Tx = QueryRunner;

/**
 * Thin access to SQL for repositories. Rows and affected counts come back
 * the same on PostgreSQL and PGlite (TypeORM's structured results).
 */
@Injectable()
export class DatabaseService {
  constructor(readonly dataSource: DataSource) {}

  async rows<T>(sql: string, params: unknown[] = [], tx?: Tx): Promise<T[]> {
    return (await this.run(sql, params, tx)).records as T[];
  }

  /**
   * As `rows`, as a named prepared statement: each connection parses and
   * plans `sql` once and then sends only the statement's name and
   * parameters. For the hot statements; `name` must always go with the
   * same `sql`. (PGlite, one embedded connection, runs it as plain SQL.)
   */
  async preparedRows<T>(name: string, sql: string, params: unknown[] = [], tx?: Tx): Promise<T[]> {
    // TypeORM hands the query to the driver unchanged, and node-postgres takes a query config in place of the text.
    const statement: PreparedStatement = { name, text: sql };
    return (await this.run(statement as unknown as string, params, tx)).records as T[];
  }

  async one<T>(sql: string, params: unknown[] = [], tx?: Tx): Promise<T | null> {
    return (await this.rows<T>(sql, params, tx))[0] ?? null;
  }

  async execute(sql: string, params: unknown[] = [], tx?: Tx): Promise<number> {
    return (await this.run(sql, params, tx)).affected ?? 0;
  }

  /** Runs `work` in one transaction: all of its statements commit, or none. */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      const result = await work(runner);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async run(sql: string, params: unknown[], tx?: Tx) {
    if (tx) return tx.query(sql, params, true);
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runner.query(sql, params, true);
    } finally {
      await runner.release();
    }
  }
}
