import { Injectable } from '@nestjs/common';
import { DatabaseService, Tx } from '../database/database.service';
import type { KnownCheckpoint } from './witness-check';

export interface WitnessedLog {
  cosigned: KnownCheckpoint | null;
  equivocated: boolean;
}

export interface NewEquivocation {
  origin: string;
  kind: 'fork' | 'inconsistent';
  source: 'submission' | 'gossip';
  firstNote: string;
  secondNote: string;
  proof: string[] | null;
}

export interface EquivocationRow {
  id: string;
  origin: string;
  kind: 'fork' | 'inconsistent';
  source: 'submission' | 'gossip';
  first_note: string;
  second_note: string;
  proof: string[] | null;
  detected_at: Date;
}

/** SQL of this server as a witness of its peers' key logs (migrations/1733800000000-Witnesses.ts). */
@Injectable()
export class WitnessRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Locks the log's row for the rest of `tx` (creating it on first
   * contact) and returns what this witness cosigned of it. Every
   * submission and every gossiped checkpoint of a log is handled under
   * this lock, in any process, so checking the old size and storing the
   * new checkpoint are one atomic step (tlog-witness: otherwise a slower
   * request could roll the witness's view back).
   */
  async lockLog(origin: string, tx: Tx): Promise<WitnessedLog> {
    await this.db.execute('INSERT INTO witness_logs (origin) VALUES ($1) ON CONFLICT (origin) DO NOTHING', [origin], tx);
    const row = await this.db.one<{
      cosigned_size: string;
      cosigned_root: Buffer | null;
      cosigned_note: string | null;
      equivocated_at: Date | null;
    }>('SELECT cosigned_size, cosigned_root, cosigned_note, equivocated_at FROM witness_logs WHERE origin = $1 FOR UPDATE', [origin], tx);
    return {
      cosigned: row!.cosigned_root ? { size: Number(row!.cosigned_size), rootHash: row!.cosigned_root, note: row!.cosigned_note! } : null,
      equivocated: row!.equivocated_at !== null,
    };
  }

  /** The checkpoint of `size` this witness cosigned or saw of the log, if any. */
  async findSeen(origin: string, size: number, tx: Tx): Promise<KnownCheckpoint | null> {
    const row = await this.db.one<{ root_hash: Buffer; note: string }>(
      'SELECT root_hash, note FROM witness_checkpoints WHERE origin = $1 AND size = $2',
      [origin, size],
      tx,
    );
    return row && { size, rootHash: row.root_hash, note: row.note };
  }

  /** Remembers a verified checkpoint of the log; the first of each size stays (a second root is equivocation, never stored over it). */
  async rememberSeen(origin: string, checkpoint: KnownCheckpoint, source: 'cosigned' | 'gossip', tx: Tx): Promise<void> {
    await this.db.execute(
      `INSERT INTO witness_checkpoints (origin, size, root_hash, note, source) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (origin, size) DO NOTHING`,
      [origin, checkpoint.size, checkpoint.rootHash, checkpoint.note, source],
      tx,
    );
  }

  /** Under lockLog: the checkpoint is now the latest this witness cosigned of the log. */
  async recordCosigned(origin: string, checkpoint: KnownCheckpoint, at: Date, tx: Tx): Promise<void> {
    await this.db.execute(
      'UPDATE witness_logs SET cosigned_size = $2, cosigned_root = $3, cosigned_note = $4, cosigned_at = $5 WHERE origin = $1',
      [origin, checkpoint.size, checkpoint.rootHash, checkpoint.note, at],
      tx,
    );
    await this.rememberSeen(origin, checkpoint, 'cosigned', tx);
  }

  /** Under lockLog: stores the evidence and marks the log as equivocating, so nothing more of it is cosigned. */
  async recordEquivocation(equivocation: NewEquivocation, at: Date, tx: Tx): Promise<void> {
    await this.db.execute(
      `INSERT INTO witness_equivocations (origin, kind, source, first_note, second_note, proof, detected_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        equivocation.origin,
        equivocation.kind,
        equivocation.source,
        equivocation.firstNote,
        equivocation.secondNote,
        equivocation.proof && JSON.stringify(equivocation.proof),
        at,
      ],
      tx,
    );
    await this.db.execute(
      'UPDATE witness_logs SET equivocated_at = $2 WHERE origin = $1 AND equivocated_at IS NULL',
      [equivocation.origin, at],
      tx,
    );
  }

  /**
   * Forgets what this witness cosigned and saw of a log (parley-admin
   * witness forgive), so it cosigns the log afresh, for an operator who
   * established that the peer's log was legitimately reset. The evidence
   * in witness_equivocations stays. Returns whether the log was known.
   */
  async forgetLog(origin: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await this.db.execute('DELETE FROM witness_checkpoints WHERE origin = $1', [origin], tx);
      const rows = await this.db.rows<{ origin: string }>('DELETE FROM witness_logs WHERE origin = $1 RETURNING origin', [origin], tx);
      return rows.length > 0;
    });
  }

  /** The newest evidence first. */
  async listEquivocations(limit: number): Promise<EquivocationRow[]> {
    return this.db.rows<EquivocationRow>(
      'SELECT id, origin, kind, source, first_note, second_note, proof, detected_at FROM witness_equivocations ORDER BY id DESC LIMIT $1',
      [limit],
    );
  }
}
