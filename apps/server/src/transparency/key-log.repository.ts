import { Injectable } from '@nestjs/common';
import type { NodeId, StoredNode } from '@parley/transparency';
import { DatabaseService, Tx } from '../database/database.service';

/** A list change waiting in the outbox for its leaf. */
export interface PendingLeaf {
  address: string;
  listVersion: number;
  accountIdentityKey: string;
  listHash: string;
}

/** A leaf as the sequencer writes it. */
export interface NewLeaf {
  index: number;
  address: string;
  listVersion: number;
  leaf: Buffer;
}

export interface StoredCheckpoint {
  size: number;
  note: string;
}

/** SQL of the key log (migrations/1733700000000-KeyTransparency.ts). */
@Injectable()
export class KeyLogRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Inside the list change's transaction: the change cannot commit without its leaf reaching the log. */
  async insertPending(pending: PendingLeaf, tx: Tx): Promise<void> {
    await this.db.execute(
      'INSERT INTO key_log_pending (address, list_version, account_identity_key, list_hash) VALUES ($1, $2, $3, $4)',
      [pending.address, pending.listVersion, pending.accountIdentityKey, pending.listHash],
      tx,
    );
  }

  /** Whether any change waits for its leaf (the sequencer's idle check, taken without a lock). */
  async hasPending(): Promise<boolean> {
    return (await this.db.one('SELECT 1 FROM key_log_pending LIMIT 1')) !== null;
  }

  /**
   * Locks the tree for the rest of `tx` and returns its size. Every
   * sequencer, in any process, appends only while holding this row lock,
   * so leaf indexes are assigned once each, without gaps, in commit
   * order; and because the lock is taken before the outbox is read, a
   * sequencer sees every change that committed before it got the lock.
   */
  async lockTree(tx: Tx): Promise<number> {
    const row = await this.db.one<{ size: string }>('SELECT size FROM key_log_tree WHERE id FOR UPDATE', [], tx);
    return Number(row!.size);
  }

  /**
   * Under lockTree: removes up to `limit` outbox rows, oldest first, and
   * returns them in that order. One account's changes are serialized by
   * its row lock, so its rows are in version order.
   */
  async takePending(limit: number, tx: Tx): Promise<PendingLeaf[]> {
    const rows = await this.db.rows<{
      seq: string;
      address: string;
      list_version: number;
      account_identity_key: string;
      list_hash: string;
    }>(
      `DELETE FROM key_log_pending WHERE seq IN (SELECT seq FROM key_log_pending ORDER BY seq LIMIT $1)
       RETURNING seq, address, list_version, account_identity_key, list_hash`,
      [limit],
      tx,
    );
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((r) => ({ address: r.address, listVersion: r.list_version, accountIdentityKey: r.account_identity_key, listHash: r.list_hash }));
  }

  /** The index of each address's newest leaf (addresses without one are absent). */
  async findLatestIndexes(addresses: string[], tx?: Tx): Promise<Map<string, number>> {
    const rows = await this.db.rows<{ address: string; idx: string }>(
      'SELECT address, max(idx) AS idx FROM key_log_leaves WHERE address = ANY($1::text[]) GROUP BY address',
      [addresses],
      tx,
    );
    return new Map(rows.map((r) => [r.address, Number(r.idx)]));
  }

  /** The address's newest leaf: its index, list version and bytes. */
  async findLatestLeaf(address: string): Promise<{ index: number; listVersion: number; leaf: Buffer } | null> {
    const row = await this.db.one<{ idx: string; list_version: number; leaf: Buffer }>(
      'SELECT idx, list_version, leaf FROM key_log_leaves WHERE address = $1 ORDER BY idx DESC LIMIT 1',
      [address],
    );
    return row && { index: Number(row.idx), listVersion: row.list_version, leaf: row.leaf };
  }

  async findLeaf(index: number): Promise<Buffer | null> {
    return (await this.db.one<{ leaf: Buffer }>('SELECT leaf FROM key_log_leaves WHERE idx = $1', [index]))?.leaf ?? null;
  }

  /** Leaves start..end-1 in order (all of them stored: the caller stays within a checkpoint). */
  async findLeaves(start: number, end: number): Promise<Buffer[]> {
    const rows = await this.db.rows<{ leaf: Buffer }>('SELECT leaf FROM key_log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx', [
      start,
      end,
    ]);
    return rows.map((row) => row.leaf);
  }

  /** The hashes of `nodes`, in their order: leaves' from key_log_leaves, the others' from key_log_nodes. One statement. */
  async readHashes(nodes: readonly NodeId[], tx?: Tx): Promise<Buffer[]> {
    if (nodes.length === 0) return [];
    const rows = await this.db.rows<{ level: number; idx: string; hash: Buffer }>(
      `SELECT 0 AS level, idx, leaf_hash AS hash FROM key_log_leaves WHERE idx = ANY($1::bigint[])
       UNION ALL
       SELECT n.level, n.idx, n.hash FROM key_log_nodes n JOIN unnest($2::smallint[], $3::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx`,
      [
        nodes.filter((n) => n.level === 0).map((n) => n.index),
        nodes.filter((n) => n.level > 0).map((n) => n.level),
        nodes.filter((n) => n.level > 0).map((n) => n.index),
      ],
      tx,
    );
    const byKey = new Map(rows.map((r) => [`${r.level}/${Number(r.idx)}`, r.hash]));
    return nodes.map((n) => {
      const hash = byKey.get(`${n.level}/${n.index}`);
      if (!hash) throw new Error(`key log node ${n.level}/${n.index} is missing`);
      return hash;
    });
  }

  /**
   * Under lockTree: stores the appended leaves, the subtree hashes they
   * completed, the new size and its signed checkpoint, all in `tx`. The
   * nodes are immutable: nothing here updates a row but the size.
   */
  async appendLeaves(leaves: NewLeaf[], nodes: StoredNode[], checkpoint: StoredCheckpoint & { rootHash: Buffer }, tx: Tx): Promise<void> {
    const leafHashes = new Map(nodes.filter((n) => n.level === 0).map((n) => [n.index, n.hash]));
    const inner = nodes.filter((n) => n.level > 0);
    if (leaves.length > 0) {
      await this.db.execute(
        `INSERT INTO key_log_leaves (idx, address, list_version, leaf, leaf_hash)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bytea[], $5::bytea[])`,
        [
          leaves.map((l) => l.index),
          leaves.map((l) => l.address),
          leaves.map((l) => l.listVersion),
          leaves.map((l) => l.leaf),
          leaves.map((l) => leafHashes.get(l.index)),
        ],
        tx,
      );
    }
    if (inner.length > 0) {
      await this.db.execute(
        'INSERT INTO key_log_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])',
        [inner.map((n) => n.level), inner.map((n) => n.index), inner.map((n) => n.hash)],
        tx,
      );
    }
    await this.db.execute('UPDATE key_log_tree SET size = $1 WHERE id', [checkpoint.size], tx);
    await this.db.execute(
      'INSERT INTO key_log_checkpoints (size, root_hash, note) VALUES ($1, $2, $3)',
      [checkpoint.size, checkpoint.rootHash, checkpoint.note],
      tx,
    );
  }

  /** The same tree's checkpoint signed again with the server's new key (KeyLogSequencer, after a rotation; under the tree lock). */
  async replaceCheckpointNote(size: number, note: string, tx: Tx): Promise<void> {
    await this.db.execute('UPDATE key_log_checkpoints SET note = $2 WHERE size = $1', [size, note], tx);
  }

  /** The signed checkpoint of `size` leaves, if one was signed (the empty tree's is signed once, at first start). */
  async findCheckpoint(size: number, tx?: Tx): Promise<StoredCheckpoint | null> {
    const row = await this.db.one<{ note: string }>('SELECT note FROM key_log_checkpoints WHERE size = $1', [size], tx);
    return row && { size, note: row.note };
  }

  /**
   * Deletes checkpoints signed before `before`, but for the newest and the
   * newest cosigned one (the two GET /v1/transparency/checkpoint serves):
   * no route serves an older one, and proofs are computed from the tree
   * for any size. Returns how many went.
   */
  pruneCheckpoints(before: Date): Promise<number> {
    return this.db.execute(
      `DELETE FROM key_log_checkpoints
        WHERE created_at < $1
          AND size < (SELECT max(size) FROM key_log_checkpoints)
          AND size IS DISTINCT FROM (SELECT max(size) FROM key_log_cosignatures)`,
      [before],
    );
  }

  /** The newest checkpoint; null before the first start signed the empty tree's. */
  async findLatestCheckpoint(): Promise<StoredCheckpoint | null> {
    const row = await this.db.one<{ size: string; note: string }>('SELECT size, note FROM key_log_checkpoints ORDER BY size DESC LIMIT 1');
    return row && { size: Number(row.size), note: row.note };
  }
}
