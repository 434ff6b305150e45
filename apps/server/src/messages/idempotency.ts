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

/** How long a key is remembered: a retry later than this is a new send. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export type NewEnvelope = Omit<EnvelopeRecord, 'seq'>;

/** One fan-out to store: its envelopes, all or none, and the claim they are stored under, if any. */
export interface NewFanout {
  envelopes: NewEnvelope[];
  claim?: IdempotencyClaim;
}

/** Two fan-outs with equal ids are the same send. */
export const claimId = (c: IdempotencyClaim) => `${c.senderAccountId}/${c.senderDeviceId}/${c.destinationAccountId}/${c.key}`;
