import { EventEmitter } from 'node:events';
import type { PreparedStatement } from './database.service';
import { PGliteInstance } from 'typeorm-pglite/dist/pglite-instance';

type Done = () => void;
type QueryCallback = (error: Error | null, result: unknown) => void;

/**
 * A pg-compatible pool over the one embedded PGlite instance that hands out
 * its single connection to one holder at a time, like `pg.Pool({max: 1})`.
 *
 * Why not typeorm-pglite's own pool: it gives every caller the same session
 * at once, so two concurrent TypeORM transactions would interleave their
 * BEGIN/COMMIT on one connection and a rollback could undo another
 * request's writes. Holding the connection from connect() to release keeps
 * every transaction atomic and isolated.
 */
export class SerializedPGlitePool extends EventEmitter {
  private tail: Promise<void> = Promise.resolve();

  connect(callback: (error: Error | null, client: unknown, done: Done) => void) {
    let release!: Done;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    previous
      .then(() => PGliteInstance.getInstance())
      .then(
        () => callback(null, this.client(), once(release)),
        (error: Error) => {
          release();
          callback(error, null, () => undefined);
        },
      );
  }

  /** Used by TypeORM only for one-off statements; they wait their turn like any holder. */
  query(sql: string, params: unknown[] | QueryCallback | undefined, callback?: QueryCallback) {
    return new Promise((resolve, reject) => {
      this.connect((error, client, done) => {
        if (error) {
          reject(error);
          return;
        }
        (client as { query: typeof runQuery }).query(sql, params, callback).then(
          (r: unknown) => {
            done();
            resolve(r);
          },
          (e: Error) => {
            done();
            reject(e);
          },
        );
      });
    });
  }

  end(callback: (error: Error | null) => void) {
    PGliteInstance.close().then(
      () => callback(null),
      (error: Error) => callback(error),
    );
  }

  private client() {
    return this.sharedClient;
  }

  /** TypeORM listens for 'error' on clients, so the client is an EventEmitter like pg's. */
  private readonly sharedClient = Object.assign(new EventEmitter(), { query: runQuery, release: () => undefined });
}

function once(fn: Done): Done {
  let called = false;
  return () => {
    if (!called) {
      called = true;
      fn();
    }
  };
}

async function runQuery(query: string | PreparedStatement, params?: unknown[] | QueryCallback, callback?: QueryCallback) {
  // One embedded connection in this process: nothing to gain from preparing, so a prepared statement runs as its text.
  const sql = typeof query === 'string' ? query : query.text;
  if (typeof params === 'function') {
    callback = params;
    params = undefined;
  }
  const db = await PGliteInstance.getInstance();
  try {
    const result =
      Array.isArray(params) && params.length > 0
        ? await db.query(sql, params)
        : // Multi-statement strings (migrations) go through exec; TypeORM wants the last result.
          await db.exec(sql).then((results) => results[results.length - 1] ?? { rows: [] });
    const normalized = asPgResult(sql, result);
    callback?.(null, normalized);
    return normalized;
  } catch (error) {
    callback?.(error as Error, null);
    throw error;
  }
}

interface PGliteResult {
  rows: unknown[];
  affectedRows?: number;
}

/**
 * Shapes a PGlite result like node-postgres's (command, rowCount), so that
 * TypeORM reports rows and affected counts the same way on both databases.
 */
function asPgResult(sql: string, result: PGliteResult) {
  const command = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  const rowCount = command === 'SELECT' ? result.rows.length : (result.affectedRows ?? result.rows.length);
  return { ...result, command, rowCount };
}
