import type { EnvelopeRecord } from './envelope';

/**
 * A local sender's claim that a fan-out is the one send it means by
 * `key` (docs/API.md section 3, "Idempotent sends"). Keys are scoped to
 * the sending device and the destination account, so a message and its
 * sync copy may share one.
 */
export interface IdempotencyClaim {
  senderAccountId: string;
  senderDeviceId: number;
  destinationAccountId: string;
  key: string;
}

/**
 * A peer's transaction (docs/FEDERATION.md, POST /federation/v1/messages):
 * the relayed fan-out it carries is stored at most once per origin and
 * transaction id, however often the peer delivers it.
 */
export interface TransactionClaim {
  origin: string;
  transactionId: string;
}

/** What makes a retried fan-out harmless: a local sender's idempotency key, or a peer's transaction. */
export type FanoutClaim = IdempotencyClaim | TransactionClaim;

export const isTransactionClaim = (c: FanoutClaim): c is TransactionClaim => 'transactionId' in c;

/** How long a key is remembered: a retry later than this is a new send. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export type NewEnvelope = Omit<EnvelopeRecord, 'seq'>;

/** One fan-out to store: its envelopes, all or none, and the claim they are stored under, if any. */
export interface NewFanout {
  envelopes: NewEnvelope[];
  claim?: FanoutClaim;
}

/** Two fan-outs with equal ids are the same send. */
export const claimId = (c: FanoutClaim) =>
  isTransactionClaim(c)
    ? `transaction/${c.origin}/${c.transactionId}`
    : `key/${c.senderAccountId}/${c.senderDeviceId}/${c.destinationAccountId}/${c.key}`;
