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
 * Claims first, then only the envelopes whose claim number ($17, null for
 * unclaimed fan-outs) was inserted now. `wanted` holds one row per claim,
 * numbered by ordinality: a local sender's idempotency key ($11-$14) or a
 * peer's transaction ($15-$16), the other kind's columns null. A peer's
 * transaction is recorded in federation_inbox here, in the statement that
 * stores its envelopes, so that both commit or neither does: a redelivery
 * after a crash at any point either finds it or stores it
 * (docs/FEDERATION.md). A redelivery racing the first attempt waits on the
 * inbox key's index entry, then stores nothing if the first one committed.
 */
const INSERT_CLAIMED_FANOUTS = `
  WITH wanted AS (
    SELECT * FROM unnest($11::uuid[], $12::int[], $13::uuid[], $14::text[], $15::text[], $16::text[])
      WITH ORDINALITY AS w(account_id, device_id, destination_id, key, origin, transaction_id, n)
  ), claimed_keys AS (
    INSERT INTO idempotent_sends (sender_account_id, sender_device_id, destination_account_id, idempotency_key)
    SELECT account_id, device_id, destination_id, key FROM wanted WHERE key IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING sender_account_id, sender_device_id, destination_account_id, idempotency_key
  ), claimed_transactions AS (
    INSERT INTO federation_inbox (origin, transaction_id)
    SELECT origin, transaction_id FROM wanted WHERE transaction_id IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING origin, transaction_id
  ), claimed_numbers AS (
    SELECT w.n FROM wanted w JOIN claimed_keys c
      ON c.sender_account_id = w.account_id AND c.sender_device_id = w.device_id
     AND c.destination_account_id = w.destination_id AND c.idempotency_key = w.key
    UNION ALL
    SELECT w.n FROM wanted w JOIN claimed_transactions c ON c.origin = w.origin AND c.transaction_id = w.transaction_id
  )
  ${INSERT_ENVELOPES}
  SELECT e.id, e.account_id, e.device_id, e.source, e.source_device_id, e.type, e.content, e.client_timestamp, e.server_timestamp, e.expires_at
    FROM unnest(${ENVELOPE_ARRAYS}, $17::int[])
      AS e(id, account_id, device_id, source, source_device_id, type, content, client_timestamp, server_timestamp, expires_at, claim_n)
   WHERE e.claim_n IS NULL OR e.claim_n IN (SELECT n FROM claimed_numbers)
  RETURNING id, seq`;

/** Per envelope, the 1-based number of its fan-out's claim among the claimed fan-outs, or null. */
function claimNumbers(fanouts: NewFanout[]): (number | null)[] {
  let n = 0;
  return fanouts.flatMap((f) => {
    const number = f.claim ? ++n : null;
    return f.envelopes.map(() => number);
  });
}

const keyOf = (c: FanoutClaim) => (isTransactionClaim(c) ? null : c);
const transactionOf = (c: FanoutClaim) => (isTransactionClaim(c) ? c : null);

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
    const claims = fanouts.map((f) => f.claim).filter((c) => c !== undefined);
    const rows =
      claims.length === 0
        ? await this.db.rows<{ id: string; seq: string }>(
            `${INSERT_ENVELOPES} SELECT * FROM unnest(${ENVELOPE_ARRAYS}) RETURNING id, seq`,
            envelopeColumns,
          )
        : await this.db.rows<{ id: string; seq: string }>(INSERT_CLAIMED_FANOUTS, [
            ...envelopeColumns,
            claims.map((c) => keyOf(c)?.senderAccountId ?? null),
            claims.map((c) => keyOf(c)?.senderDeviceId ?? null),
            claims.map((c) => keyOf(c)?.destinationAccountId ?? null),
            claims.map((c) => keyOf(c)?.key ?? null),
            claims.map((c) => transactionOf(c)?.origin ?? null),
            claims.map((c) => transactionOf(c)?.transactionId ?? null),
            claimNumbers(fanouts),
          ]);
    return new Map(rows.map((r) => [r.id, r.seq]));
  }

  /**
   * Which of `claims` were stored before, by claimId: idempotency keys
   * within their window, peers' transactions while the inbox keeps them.
   * One round trip per kind of claim present.
   */
  async findClaimed(claims: FanoutClaim[]): Promise<Set<string>> {
    const keys = claims.map(keyOf).filter((c) => c !== null);
    const transactions = claims.map(transactionOf).filter((c) => c !== null);
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
