import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { Batcher } from '../common/batcher';
import { FanoutClaim, NewEnvelope, NewFanout, claimId } from './idempotency';
import { Destination, EnvelopeAck, MessagesRepository } from './messages.repository';

/** A stored fan-out's queue positions by envelope id, or `duplicate` when its claim was stored before. */
export type FanoutStored = Map<string, string> | 'duplicate';

/**
 * The message path's database work, batched across requests: destination
 * and idempotency-key lookups share one query each, fan-outs are inserted with group commit, and
 * acknowledged envelopes are deleted in batches. Embedded PGlite has one connection, so it gets one flush at
 * a time; PostgreSQL gets a few in parallel.
 */
@Injectable()
export class EnvelopeStore {
  private readonly fanouts: Batcher<NewFanout, FanoutStored | Error>;
  private readonly acks: Batcher<EnvelopeAck>;
  private readonly lookups: Batcher<string, Destination | null>;
  private readonly claimLookups: Batcher<FanoutClaim, boolean>;

  constructor(
    @Inject(PARLEY_CONFIG) config: ParleyConfig,
    private readonly messages: MessagesRepository,
  ) {
    const parallel = config.databaseUrl ? 4 : 1;
    this.fanouts = new Batcher((batch) => this.insertFanouts(batch), 200, parallel);
    this.acks = new Batcher<EnvelopeAck>(
      async (acks) => {
        await this.messages.deleteAcknowledged(acks);
        return acks.map((): void => undefined);
      },
      1000,
      parallel,
    );
    this.lookups = new Batcher(
      async (usernames) => {
        const found = await this.messages.findDestinations([...new Set(usernames)]);
        return usernames.map((u) => found.get(u) ?? null);
      },
      500,
      parallel,
    );
    this.claimLookups = new Batcher(
      async (claims) => {
        const claimed = await this.messages.findClaimed(claims);
        return claims.map((c) => claimed.has(claimId(c)));
      },
      500,
      parallel,
    );
  }

  /** The account named `username` with its current devices and queue lengths; null when unknown. */
  findDestination(username: string): Promise<Destination | null> {
    return this.lookups.submit(username);
  }

  /**
   * Stores all envelopes of one fan-out, or none; resolves with their queue
   * positions once committed, or with `duplicate` when a fan-out under the
   * same claim was stored before (then nothing is stored now). The claim
   * commits with the envelopes.
   */
  async storeFanout(envelopes: NewEnvelope[], claim?: FanoutClaim): Promise<FanoutStored> {
    if (envelopes.length === 0) return new Map();
    const result = await this.fanouts.submit({ envelopes, claim });
    if (result instanceof Error) throw result;
    return result;
  }

  /** Whether a fan-out under `claim` was stored before (an idempotency key: within its window). */
  isClaimed(claim: FanoutClaim): Promise<boolean> {
    return this.claimLookups.submit(claim);
  }

  /** Deletes an envelope its device acknowledged; resolves when the delete is committed. */
  deleteAcknowledged(ack: EnvelopeAck): Promise<void> {
    return this.acks.submit(ack);
  }

  /**
   * One statement for the whole batch. A retry that lands in the same batch
   * as its first attempt is a duplicate of it, or fails as it did. If the statement
   * fails (say a destination device was removed meanwhile), each fan-out is
   * retried alone so one bad fan-out fails only its own sender.
   */
  private async insertFanouts(batch: NewFanout[]): Promise<(FanoutStored | Error)[]> {
    const first = firstWithSameClaim(batch);
    const distinct = batch.filter((_, i) => first[i] === i);
    const results = new Map<NewFanout, FanoutStored | Error>();
    try {
      const seqs = await this.messages.insertFanouts(distinct);
      for (const fanout of distinct) results.set(fanout, outcome(fanout, seqs));
    } catch (error) {
      if (distinct.length === 1) return batch.map(() => error as Error);
      const alone = await Promise.all(
        distinct.map((fanout) =>
          this.messages.insertFanouts([fanout]).then(
            (seqs) => outcome(fanout, seqs),
            (e: Error) => e,
          ),
        ),
      );
      distinct.forEach((fanout, k) => results.set(fanout, alone[k]));
    }
    return batch.map((_, i) => {
      const result = results.get(batch[first[i]])!;
      return first[i] === i || result instanceof Error ? result : 'duplicate';
    });
  }
}

/** For each fan-out, the index of the first one in the batch under the same claim (itself when unclaimed). */
function firstWithSameClaim(batch: NewFanout[]): number[] {
  const firstByClaim = new Map<string, number>();
  return batch.map((fanout, i) => {
    if (!fanout.claim) return i;
    const id = claimId(fanout.claim);
    if (!firstByClaim.has(id)) firstByClaim.set(id, i);
    return firstByClaim.get(id)!;
  });
}

/** A claimed fan-out none of whose envelopes was stored had been stored before. */
const outcome = (fanout: NewFanout, seqs: Map<string, string>): FanoutStored =>
  fanout.claim && !seqs.has(fanout.envelopes[0].id) ? 'duplicate' : seqs;
