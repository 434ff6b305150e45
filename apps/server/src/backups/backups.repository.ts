import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';

export interface StoredBackup {
  ciphertext: Buffer;
  version: number;
}

/** SQL of the backups table: ciphertexts by id, with no owner (migrations/1734400000000-Backups.ts). */
@Injectable()
export class BackupsRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Stores `ciphertext` as version `expectedVersion + 1` only if the
   * backup's current version is `expectedVersion` (0: there is none yet),
   * and returns the new version; returns null and changes nothing when it
   * is not. Each case is one statement, so of two concurrent writers with
   * the same expected version exactly one wins and the other sees null:
   * the insert by the primary key (ON CONFLICT DO NOTHING), the update by
   * its `version = $3` condition, which PostgreSQL re-checks on the row
   * the first writer committed.
   */
  async replaceIfVersion(id: string, expectedVersion: number, ciphertext: Buffer): Promise<number | null> {
    const row =
      expectedVersion === 0
        ? await this.db.one<{ version: number }>(
            'INSERT INTO backups (id, version, ciphertext) VALUES ($1, 1, $2) ON CONFLICT (id) DO NOTHING RETURNING version',
            [id, ciphertext],
          )
        : await this.db.one<{ version: number }>(
            'UPDATE backups SET version = version + 1, ciphertext = $2 WHERE id = $1 AND version = $3 RETURNING version',
            [id, ciphertext, expectedVersion],
          );
    return row ? Number(row.version) : null;
  }

  /** The current version of a backup, 0 when there is none. */
  async currentVersion(id: string): Promise<number> {
    const row = await this.db.one<{ version: number }>('SELECT version FROM backups WHERE id = $1', [id]);
    return row ? Number(row.version) : 0;
  }

  async find(id: string): Promise<StoredBackup | null> {
    const row = await this.db.one<{ ciphertext: Uint8Array; version: number }>('SELECT ciphertext, version FROM backups WHERE id = $1', [
      id,
    ]);
    // PGlite answers bytea as a Uint8Array, node-postgres as a Buffer.
    return row ? { ciphertext: Buffer.from(row.ciphertext), version: Number(row.version) } : null;
  }

  /** Whether a backup was deleted. */
  async delete(id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM backups WHERE id = $1', [id])) > 0;
  }
}
