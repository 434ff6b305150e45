import { Injectable } from '@nestjs/common';
import type { AuditDetail, AuditEntry, AuditKind } from '@parley/protocol';
import { AUDIT_GENESIS_HASH, auditEntryHash } from '@parley/crypto/audit-chain';
import { DatabaseService, Tx } from '../database/database.service';

interface AuditRow {
  seq: number;
  at: string;
  kind: AuditKind;
  detail: AuditDetail;
  hash: string;
}

const toEntry = (row: AuditRow): AuditEntry => ({ seq: row.seq, at: Number(row.at), kind: row.kind, detail: row.detail, hash: row.hash });

/** SQL of the audit log. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Appends one entry, chained to the account's newest. The account row is
   * locked first (inside `tx`, or a transaction of its own), so concurrent
   * appends of one account take consecutive seqs, each over its
   * predecessor's hash: the log never forks.
   */
  async append(accountId: string, kind: AuditKind, detail: AuditDetail, at: number, tx?: Tx): Promise<AuditEntry> {
    const write = async (t: Tx) => {
      await this.db.execute('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [accountId], t);
      const last = await this.db.one<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_log WHERE account_id = $1 ORDER BY seq DESC LIMIT 1',
        [accountId],
        t,
      );
      const unhashed = { seq: (last?.seq ?? 0) + 1, at, kind, detail };
      const entry = { ...unhashed, hash: auditEntryHash(last?.hash ?? AUDIT_GENESIS_HASH, unhashed) };
      await this.db.execute(
        'INSERT INTO audit_log (account_id, seq, at, kind, detail, hash) VALUES ($1, $2, $3, $4, $5, $6)',
        [accountId, entry.seq, entry.at, entry.kind, JSON.stringify(entry.detail), entry.hash],
        t,
      );
      return entry;
    };
    return tx ? write(tx) : this.db.transaction(write);
  }

  /** Entries after `afterSeq`, oldest first. */
  async listAfter(accountId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.rows<AuditRow>(
      'SELECT seq, at, kind, detail, hash FROM audit_log WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [accountId, afterSeq, limit],
    );
    return rows.map(toEntry);
  }

  async deviceIds(accountId: string): Promise<number[]> {
    return (await this.db.rows<{ device_id: number }>('SELECT device_id FROM devices WHERE account_id = $1', [accountId])).map(
      (r) => r.device_id,
    );
  }
}
