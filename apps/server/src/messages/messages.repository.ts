import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { EnvelopeRecord } from './envelope';
import {
  IDEMPOTENCY_WINDOW_MS,
  FanoutClaim,
  IdempotencyClaim,
  NewFanout,
  TransactionClaim,
  claimId,
  isTransactionClaim,
} from './idempotency';

/** The destination account and, per current device, its registration id and queue length. */
export interface DestinationDevice {
  deviceId: number;
  registrationId: number;
}
export interface Destination {
  accountId: string;
  devices: DestinationDevice[];
}

/** A device's acknowledgement of one of its envelopes. */
export interface EnvelopeAck {
  accountId: string;
  deviceId: number;
  id: string;
}

const RECORD_COLUMNS = `seq, id, account_id AS "accountId", device_id AS "deviceId", source, source_device_id AS "sourceDeviceId",
  type, content, client_timestamp AS "timestamp", server_timestamp AS "serverTimestamp", expires_at AS "expiresAt"`;

const INSERT_ENVELOPES = `INSERT INTO envelopes (id, account_id, device_id, source, source_device_id, type, content, client_timestamp, server_timestamp, expires_at)`;
const ENVELOPE_ARRAYS = `$1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::int[], $6::smallint[], $7::bytea[], $8::bigint[], $9::bigint[], $10::timestamptz[]`;

/**
 * A kind of claim insertFanouts records with its fan-out: its columns (as
 * named in `wanted_<name>`, with their types) and the insert into its
 * table, whose RETURNING gives the inserted rows under those names.
 */
interface ClaimTable<C extends FanoutClaim> {
  name: string;
  /** The claim if it is of this kind, else null. */
  pick: (claim: FanoutClaim) => C | null;
  columns: [string, string][];
  insert: string;
  values: (claim: C) => unknown[];
}

const KEY_CLAIMS: ClaimTable<IdempotencyClaim> = {
  name: 'keys',
  pick: (c) => (isTransactionClaim(c) ? null : c),
  columns: [
    ['account_id', 'uuid'],
    ['device_id', 'int'],
    ['destination_id', 'uuid'],
    ['key', 'text'],
  ],
  insert: `INSERT INTO idempotent_sends (sender_account_id, sender_device_id, destination_account_id, idempotency_key)
    SELECT account_id, device_id, destination_id, key FROM wanted_keys ON CONFLICT DO NOTHING
    RETURNING sender_account_id AS account_id, sender_device_id AS device_id, destination_account_id AS destination_id, idempotency_key AS key`,
  values: (c) => [c.senderAccountId, c.senderDeviceId, c.destinationAccountId, c.key],
};

/**
 * A peer's transaction goes into federation_inbox in the statement that
 * stores its envelopes, so both commit or neither does: a redelivery after
 * a crash at any point either finds it or stores it (docs/FEDERATION.md).
 * A redelivery racing the first attempt waits on the inbox key's index
 * entry, then stores nothing if the first one committed.
 */
const TRANSACTION_CLAIMS: ClaimTable<TransactionClaim> = {
  name: 'transactions',
  pick: (c) => (isTransactionClaim(c) ? c : null),
  columns: [
    ['origin', 'text'],
    ['transaction_id', 'text'],
  ],
  insert: `INSERT INTO federation_inbox (origin, transaction_id)
    SELECT origin, transaction_id FROM wanted_transactions ON CONFLICT DO NOTHING RETURNING origin, transaction_id`,
  values: (c) => [c.origin, c.transactionId],
};

/**
 * The statement for fan-outs some of which carry claims, and its
 * parameters: the envelopes ($1-$10) with the number of their fan-out if
 * it is claimed ($11, null otherwise); per kind of claim present, its
 * claims with their fan-out numbers (`wanted_<kind>`) and their insert
 * ON CONFLICT DO NOTHING (`claimed_<kind>`); then only the envelopes that
 * are unclaimed or whose claim was inserted now are stored. A kind absent
 * from the batch is left out of the statement, so a batch of local sends
 * runs the statement it ran before peers' transactions joined: with both
 * inserts always present, planning a keyed send took 45-50% longer
 * (PostgreSQL 120 → 174 µs, PGlite 267 → 399 µs, EXPLAIN ANALYZE medians).
 */
function insertClaimedFanouts(fanouts: NewFanout[], envelopeColumns: unknown[][]): [string, unknown[]] {
  const params: unknown[] = [...envelopeColumns, fanouts.flatMap((f, n) => f.envelopes.map(() => (f.claim ? n : null)))];
  const parts: { ctes: string; numbers: string }[] = [];
  const addKind = <C extends FanoutClaim>(table: ClaimTable<C>) => {
    const claims = fanouts.flatMap((f, n) => {
      const claim = f.claim && table.pick(f.claim);
      return claim ? [{ claim, n }] : [];
    });
    if (claims.length === 0) return;
    const names = table.columns.map(([name]) => name);
    const arrays = table.columns.map(([, type], i) => `$${params.length + 1 + i}::${type}[]`);
    table.columns.forEach((_, i) => params.push(claims.map((c) => table.values(c.claim)[i])));
    params.push(claims.map((c) => c.n));
    parts.push({
      ctes: `wanted_${table.name} AS (SELECT * FROM unnest(${arrays.join(', ')}, $${params.length}::int[]) AS w(${names.join(', ')}, n)),
        claimed_${table.name} AS (${table.insert})`,
      numbers: `SELECT n FROM wanted_${table.name} JOIN claimed_${table.name} USING (${names.join(', ')})`,
    });
  };
  addKind(KEY_CLAIMS);
  addKind(TRANSACTION_CLAIMS);
  const sql = `
    WITH ${parts.map((p) => p.ctes).join(',\n')},
    claimed_numbers AS (${parts.map((p) => p.numbers).join(' UNION ALL ')})
    ${INSERT_ENVELOPES}
    SELECT e.id, e.account_id, e.device_id, e.source, e.source_device_id, e.type, e.content, e.client_timestamp, e.server_timestamp, e.expires_at
      FROM unnest(${ENVELOPE_ARRAYS}, $11::int[])
        AS e(id, account_id, device_id, source, source_device_id, type, content, client_timestamp, server_timestamp, expires_at, claim_n)
     WHERE e.claim_n IS NULL OR e.claim_n IN (SELECT n FROM claimed_numbers)
    RETURNING id, seq`;
  return [sql, params];
}

@Injectable()
export class MessagesRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The accounts named in `usernames`, each with its current devices, in
   * one round trip for any number of names
   * (lookups of concurrent sends are batched). Unknown names are absent.
   */
  async findDestinations(usernames: string[]): Promise<Map<string, Destination>> {
    const rows = await this.db.rows<{ username: string; account_id: string; device_id: number | null; registration_id: number | null }>(
      `SELECT a.username, a.id AS account_id, d.device_id, d.registration_id
         FROM accounts a LEFT JOIN devices d ON d.account_id = a.id
        WHERE a.username = ANY($1::text[]) ORDER BY a.username, d.device_id`,
      [usernames],
    );
    const destinations = new Map<string, Destination>();
    for (const row of rows) {
      const destination = destinations.get(row.username) ?? { accountId: row.account_id, devices: [] };
      if (row.device_id !== null) destination.devices.push({ deviceId: row.device_id, registrationId: row.registration_id! });
      destinations.set(row.username, destination);
    }
    return destinations;
  }

  /**
   * Queue lengths of some devices of one account (expired envelopes
   * included until swept), or with `source` only that sender's envelopes
   * in them. No index has `source`: a sender's count reads the device's
   * queue rows, so QueueBound asks for it only for long queues.
   */
  async countQueued(accountId: string, deviceIds: number[], source?: string): Promise<Map<number, number>> {
    const rows = await this.db.rows<{ device_id: number; queued: string }>(
      `SELECT device_id, count(*) AS queued FROM envelopes
        WHERE account_id = $1 AND device_id = ANY($2::int[]) ${source === undefined ? '' : 'AND source = $3'} GROUP BY device_id`,
      source === undefined ? [accountId, deviceIds] : [accountId, deviceIds, source],
    );
    return new Map(rows.map((r) => [r.device_id, Number(r.queued)]));
  }

  /**
   * Stores the envelopes of any number of fan-outs with one statement,
   * hence one transaction and one commit: all rows are stored, or none (a
   * removed destination device fails the foreign key for the whole batch).
   * A fan-out with a claim (an idempotency key, or a peer's transaction) is
   * stored only if its claim is new, and the claim commits with its
   * envelopes: a retried send is stored at most once, even when the retry
   * races the first attempt or follows a crash. Claims must be distinct
   * within one call. Returns the queue position of each stored envelope by
   * id; a fan-out whose claim existed has none.
   */
  async insertFanouts(fanouts: NewFanout[]): Promise<Map<string, string>> {
    const records = fanouts.flatMap((f) => f.envelopes);
    const envelopeColumns = [
      records.map((r) => r.id),
      records.map((r) => r.accountId),
      records.map((r) => r.deviceId),
      records.map((r) => r.source),
      records.map((r) => r.sourceDeviceId),
      records.map((r) => r.type),
      records.map((r) => r.content),
      records.map((r) => r.timestamp),
      records.map((r) => r.serverTimestamp),
      records.map((r) => r.expiresAt),
    ];
    const rows = fanouts.some((f) => f.claim)
      ? await this.db.rows<{ id: string; seq: string }>(...insertClaimedFanouts(fanouts, envelopeColumns))
      : await this.db.rows<{ id: string; seq: string }>(
          `${INSERT_ENVELOPES} SELECT * FROM unnest(${ENVELOPE_ARRAYS}) RETURNING id, seq`,
          envelopeColumns,
        );
    return new Map(rows.map((r) => [r.id, r.seq]));
  }

  /**
   * Which of `claims` were stored before, by claimId: idempotency keys
   * within their window, peers' transactions while the inbox keeps them.
   * One round trip per kind of claim present.
   */
  async findClaimed(claims: FanoutClaim[]): Promise<Set<string>> {
    const keys = claims.map(KEY_CLAIMS.pick).filter((c) => c !== null);
    const transactions = claims.map(TRANSACTION_CLAIMS.pick).filter((c) => c !== null);
    const found = await Promise.all([
      keys.length ? this.findKeys(keys) : [],
      transactions.length ? this.findTransactions(transactions) : [],
    ]);
    return new Set(found.flat().map(claimId));
  }

  private async findKeys(claims: IdempotencyClaim[]): Promise<IdempotencyClaim[]> {
    const rows = await this.db.rows<{
      sender_account_id: string;
      sender_device_id: number;
      destination_account_id: string;
      idempotency_key: string;
    }>(
      `SELECT s.sender_account_id, s.sender_device_id, s.destination_account_id, s.idempotency_key
         FROM idempotent_sends s
         JOIN unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[]) AS c(account_id, device_id, destination_id, key)
           ON s.sender_account_id = c.account_id AND s.sender_device_id = c.device_id
          AND s.destination_account_id = c.destination_id AND s.idempotency_key = c.key
        WHERE s.accepted_at > now() - make_interval(secs => $5)`,
      [
        claims.map((c) => c.senderAccountId),
        claims.map((c) => c.senderDeviceId),
        claims.map((c) => c.destinationAccountId),
        claims.map((c) => c.key),
        IDEMPOTENCY_WINDOW_MS / 1000,
      ],
    );
    return rows.map((r) => ({
      senderAccountId: r.sender_account_id,
      senderDeviceId: r.sender_device_id,
      destinationAccountId: r.destination_account_id,
      key: r.idempotency_key,
    }));
  }

  private findTransactions(claims: TransactionClaim[]): Promise<TransactionClaim[]> {
    return this.db.rows<TransactionClaim>(
      `SELECT i.origin, i.transaction_id AS "transactionId"
         FROM federation_inbox i JOIN unnest($1::text[], $2::text[]) AS c(origin, transaction_id)
           ON i.origin = c.origin AND i.transaction_id = c.transaction_id`,
      [claims.map((c) => c.origin), claims.map((c) => c.transactionId)],
    );
  }

  /** Deletes up to `limit` idempotency keys older than the window; returns how many. */
  deleteExpiredClaims(limit: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM idempotent_sends WHERE ctid IN (
         SELECT ctid FROM idempotent_sends WHERE accepted_at <= now() - make_interval(secs => $1) LIMIT $2)`,
      [IDEMPOTENCY_WINDOW_MS / 1000, limit],
    );
  }

  /** One page of a device's queue, oldest first, after queue position `afterSeq`; expired envelopes are skipped. */
  pageQueue(accountId: string, deviceId: number, afterSeq: number, limit: number): Promise<EnvelopeRecord[]> {
    return this.db.rows<EnvelopeRecord>(
      `SELECT ${RECORD_COLUMNS} FROM envelopes
        WHERE account_id = $1 AND device_id = $2 AND seq > $3 AND expires_at > now()
        ORDER BY seq LIMIT $4`,
      [accountId, deviceId, afterSeq, limit],
    );
  }

  /**
   * Deletes acknowledged envelopes in one statement (acks of many devices,
   * over HTTP and sockets, are batched). Each ack deletes its envelope only
   * if it is queued for the acknowledging device, so nobody can delete
   * another device's envelope by naming its id; acks are idempotent.
   */
  async deleteAcknowledged(acks: EnvelopeAck[]): Promise<void> {
    await this.db.execute(
      `DELETE FROM envelopes e USING unnest($1::uuid[], $2::uuid[], $3::int[]) AS a(id, account_id, device_id)
        WHERE e.id = a.id AND e.account_id = a.account_id AND e.device_id = a.device_id`,
      [acks.map((a) => a.id), acks.map((a) => a.accountId), acks.map((a) => a.deviceId)],
    );
  }

  /** Deletes up to `limit` expired envelopes; returns how many. */
  deleteExpired(limit: number): Promise<number> {
    return this.db.execute('DELETE FROM envelopes WHERE seq IN (SELECT seq FROM envelopes WHERE expires_at <= now() LIMIT $1)', [limit]);
  }
}
