import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';

export interface SubmissionRow {
  peer: string;
  cosigned_size: string;
  attempts: number;
}

/** SQL of the key log's side of witnessing: what to submit to each peer, and the cosignatures received (migrations/1733800000000-Witnesses.ts). */
@Injectable()
export class CosignaturesRepository {
  constructor(private readonly db: DatabaseService) {}

  /** One row per configured peer; a peer added to the config starts at size 0. */
  async ensurePeers(peers: string[]): Promise<void> {
    await this.db.execute('INSERT INTO witness_submissions (peer) SELECT unnest($1::text[]) ON CONFLICT (peer) DO NOTHING', [peers]);
  }

  /**
   * Takes the peers whose cosigned size is below `size` and whose next
   * attempt is due, and leases them until `leaseUntil`, in one statement
   * (the federation outbox's takeDueOutbox pattern): processes share the
   * work without submitting to one peer twice at once, and a process that
   * dies mid-request leaves a lease that runs out.
   */
  async takeDue(size: number, now: Date, leaseUntil: Date, peers: string[]): Promise<SubmissionRow[]> {
    return this.db.rows<SubmissionRow>(
      `UPDATE witness_submissions SET next_attempt_at = $3, attempts = attempts + 1
       WHERE peer IN (
         SELECT peer FROM witness_submissions
         WHERE cosigned_size < $1 AND next_attempt_at <= $2 AND peer = ANY($4::text[])
         FOR UPDATE SKIP LOCKED)
       RETURNING peer, cosigned_size, attempts`,
      [size, now, leaseUntil, peers],
    );
  }

  /** The peer cosigned our checkpoint of `size`: keeps its cosignature line and moves its row on. */
  async recordCosignature(peer: string, witness: string, size: number, line: string, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.db.execute(
        `INSERT INTO key_log_cosignatures (size, witness, signature, cosigned_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (size, witness) DO UPDATE SET signature = EXCLUDED.signature, cosigned_at = EXCLUDED.cosigned_at`,
        [size, witness, line, at],
        tx,
      );
      await this.db.execute(
        'UPDATE witness_submissions SET cosigned_size = GREATEST(cosigned_size, $2), attempts = 0, next_attempt_at = $3, last_error = NULL WHERE peer = $1',
        [peer, size, at],
        tx,
      );
    });
  }

  /** The witness says it last cosigned `size` (409): submit again from there, now. */
  async resetCosignedSize(peer: string, size: number, now: Date): Promise<void> {
    await this.db.execute('UPDATE witness_submissions SET cosigned_size = $2, next_attempt_at = $3 WHERE peer = $1', [peer, size, now]);
  }

  async reschedule(peer: string, next: Date, error: string): Promise<void> {
    await this.db.execute('UPDATE witness_submissions SET next_attempt_at = $2, last_error = $3 WHERE peer = $1', [peer, next, error]);
  }

  /** The cosignature lines of our checkpoint of `size`, by witness name. */
  async findLines(size: number): Promise<string[]> {
    const rows = await this.db.rows<{ signature: string }>('SELECT signature FROM key_log_cosignatures WHERE size = $1 ORDER BY witness', [
      size,
    ]);
    return rows.map((r) => r.signature);
  }

  /** Deletes cosignatures made before `before` of all but the newest cosigned checkpoint (the only one served with its lines). */
  pruneCosignatures(before: Date): Promise<number> {
    return this.db.execute(
      'DELETE FROM key_log_cosignatures WHERE cosigned_at < $1 AND size < (SELECT max(size) FROM key_log_cosignatures)',
      [before],
    );
  }

  /** The size of our newest checkpoint that any witness cosigned, or null. */
  async newestCosignedSize(): Promise<number | null> {
    const row = await this.db.one<{ size: string | null }>('SELECT max(size) AS size FROM key_log_cosignatures');
    return row?.size == null ? null : Number(row.size);
  }
}
