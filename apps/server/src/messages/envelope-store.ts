import { Inject, Injectable } from '@nestjs/common';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { Batcher } from './batcher';
import { EnvelopeRecord } from './envelope';
import { Destination, EnvelopeAck, MessagesRepository } from './messages.repository';

type NewEnvelope = Omit<EnvelopeRecord, 'seq'>;

/**
 * The message path's database work, batched across requests: destination
 * lookups share one query, fan-outs are inserted with group commit, and
 * acknowledged envelopes are deleted in batches. Embedded PGlite has one connection, so it gets one flush at
 * a time; PostgreSQL gets a few in parallel.
 */
@Injectable()
export class EnvelopeStore {
  private readonly fanouts: Batcher<NewEnvelope[], Map<string, string> | Error>;
  private readonly acks: Batcher<EnvelopeAck>;
  private readonly lookups: Batcher<string, Destination | null>;

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
  }

  /** The account named `username` with its current devices and queue lengths; null when unknown. */
  findDestination(username: string): Promise<Destination | null> {
    return this.lookups.submit(username);
  }

  /**
   * Stores all envelopes of one fan-out, or none; resolves with their queue
   * positions once committed.
   */
  async storeFanout(envelopes: NewEnvelope[]): Promise<Map<string, string>> {
    if (envelopes.length === 0) return new Map();
    const result = await this.fanouts.submit(envelopes);
    if (result instanceof Error) throw result;
    return result;
  }

  /** Deletes an envelope its device acknowledged; resolves when the delete is committed. */
  deleteAcknowledged(ack: EnvelopeAck): Promise<void> {
    return this.acks.submit(ack);
  }

  /**
   * One statement for the whole batch. If it fails (say a destination
   * device was removed meanwhile), each fan-out is retried alone so one
   * bad fan-out fails only its own sender.
   */
  private async insertFanouts(batch: NewEnvelope[][]): Promise<(Map<string, string> | Error)[]> {
    try {
      const seqs = await this.messages.insertEnvelopes(batch.flat());
      return batch.map(() => seqs);
    } catch (error) {
      if (batch.length === 1) return [error as Error];
      return Promise.all(batch.map((fanout) => this.messages.insertEnvelopes(fanout).catch((e: Error) => e)));
    }
  }
}
