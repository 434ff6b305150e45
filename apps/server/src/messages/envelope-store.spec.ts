import type { ParleyConfig } from '../config/config';
import { Deferred, deferred, settle } from '../../../../test/support/deferred';
import type { EnvelopeRecord } from './envelope';
import { claimId, IdempotencyClaim, NewFanout } from './idempotency';
import { EnvelopeStore, FanoutStored } from './envelope-store';
import type { Destination, EnvelopeAck, MessagesRepository } from './messages.repository';

const PGLITE = { databaseUrl: null } as ParleyConfig;
const POSTGRES = { databaseUrl: 'postgres://db/parley' } as ParleyConfig;
const REMOVED_DEVICE = 9;

const toDevice = (id: string, deviceId = 1): Omit<EnvelopeRecord, 'seq'> => ({
  id,
  accountId: 'bob',
  deviceId,
  source: 'alice',
  sourceDeviceId: 1,
  type: 1,
  content: Buffer.from('ciphertext'),
  timestamp: 1,
  serverTimestamp: 2,
  expiresAt: new Date(3),
});
const claim = (key: string): IdempotencyClaim => ({ senderAccountId: 'alice', senderDeviceId: 1, destinationAccountId: 'bob', key });
const positions = (stored: FanoutStored) => {
  if (stored === 'duplicate') throw new Error('a duplicate has no queue positions');
  return stored;
};
const ack = (id: string): EnvelopeAck => ({ accountId: 'bob', deviceId: 1, id });

/**
 * The repository's batched statements, each recorded as one call. While
 * paused, calls wait like statements on a busy database; a device in
 * REMOVED_DEVICE fails the foreign key of the whole statement it is in.
 */
class FakeMessages {
  readonly inserts: string[][] = [];
  readonly deletes: string[][] = [];
  readonly lookups: string[][] = [];
  readonly claims = new Set<string>();
  private readonly accounts = new Map<string, Destination>([['bob', { accountId: 'bob', devices: [{ deviceId: 1, registrationId: 7 }] }]]);
  private gate?: Deferred;
  private seq = 0;

  pause() {
    this.gate = deferred();
  }
  resume() {
    this.gate?.resolve();
    this.gate = undefined;
  }

  /** Like the real statement: a claimed fan-out is stored only if its claim is new. */
  async insertFanouts(fanouts: NewFanout[]) {
    const ids = fanouts.flatMap((f) => f.envelopes.map((r) => r.id));
    this.inserts.push(ids);
    await this.gate?.promise;
    if (fanouts.some((f) => f.envelopes.some((r) => r.deviceId === REMOVED_DEVICE))) {
      throw Object.assign(new Error(`insert of ${ids.join(',')}: device ${REMOVED_DEVICE} is gone`), { code: '23503' });
    }
    const fresh = fanouts.filter((f) => !f.claim || !this.claims.has(claimId(f.claim)));
    fresh.forEach((f) => f.claim && this.claims.add(claimId(f.claim)));
    return new Map(fresh.flatMap((f) => f.envelopes.map((r) => [r.id, String(++this.seq)] as const)));
  }

  async deleteAcknowledged(acks: EnvelopeAck[]) {
    this.deletes.push(acks.map((a) => a.id));
    await this.gate?.promise;
  }

  async findDestinations(usernames: string[]) {
    this.lookups.push(usernames);
    await this.gate?.promise;
    return new Map(usernames.filter((u) => this.accounts.has(u)).map((u) => [u, this.accounts.get(u)!]));
  }
}

describe('EnvelopeStore', () => {
  let messages: FakeMessages;
  const storeWith = (config: ParleyConfig) => new EnvelopeStore(config, messages as unknown as MessagesRepository);
  beforeEach(() => {
    messages = new FakeMessages();
  });

  it('inserts the fan-outs submitted while a flush runs together, in one statement', async () => {
    const store = storeWith(PGLITE);
    messages.pause();
    const first = store.storeFanout([toDevice('a1'), toDevice('a2')]);
    const later = [store.storeFanout([toDevice('b1')]), store.storeFanout([toDevice('c1'), toDevice('c2')])];
    messages.resume();
    const [a, b, c] = await Promise.all([first, ...later]);
    expect(messages.inserts).toEqual([
      ['a1', 'a2'],
      ['b1', 'c1', 'c2'],
    ]);
    expect([positions(a).get('a2'), positions(b).get('b1'), positions(c).get('c2')]).toEqual(['2', '3', '5']);
  });

  it('retries each fan-out of a failed batch alone, so only the bad one fails, with its own error', async () => {
    const store = storeWith(PGLITE);
    messages.pause();
    const first = store.storeFanout([toDevice('a1')]);
    const good1 = store.storeFanout([toDevice('b1')]);
    const bad = store.storeFanout([toDevice('c1'), toDevice('c2', REMOVED_DEVICE)]);
    const good2 = store.storeFanout([toDevice('d1')]);
    messages.resume();
    await first;
    await expect(bad).rejects.toMatchObject({ code: '23503', message: `insert of c1,c2: device ${REMOVED_DEVICE} is gone` });
    expect(positions(await good1).has('b1')).toBe(true);
    expect(positions(await good2).has('d1')).toBe(true);
    expect(messages.inserts).toEqual([['a1'], ['b1', 'c1', 'c2', 'd1'], ['b1'], ['c1', 'c2'], ['d1']]);
  });

  it('fails a fan-out flushed alone with its error, without a retry; an empty fan-out stores nothing', async () => {
    const store = storeWith(PGLITE);
    await expect(store.storeFanout([toDevice('c1', REMOVED_DEVICE)])).rejects.toMatchObject({ code: '23503' });
    expect(await store.storeFanout([])).toEqual(new Map());
    expect(messages.inserts).toEqual([['c1']]);
  });

  it('stores a claimed fan-out once: a retry in a later batch, or in the same batch, is a duplicate', async () => {
    const store = storeWith(PGLITE);
    expect(positions(await store.storeFanout([toDevice('k1')], claim('key-1'))).has('k1')).toBe(true);
    messages.pause();
    const blocker = store.storeFanout([toDevice('x1')]);
    const batched = [
      store.storeFanout([toDevice('k2')], claim('key-1')),
      store.storeFanout([toDevice('n1')], claim('key-2')),
      store.storeFanout([toDevice('n2')], claim('key-2')),
      store.storeFanout([toDevice('u1')]),
    ];
    messages.resume();
    await blocker;
    const [retry, first, sameBatchRetry, unclaimed] = await Promise.all(batched);
    expect([retry, sameBatchRetry]).toEqual(['duplicate', 'duplicate']);
    expect(positions(first).has('n1')).toBe(true);
    expect(positions(unclaimed).has('u1')).toBe(true);
    // The same-batch retry never reached the database: claims within one statement must be distinct.
    expect(messages.inserts).toEqual([['k1'], ['x1'], ['k2', 'n1', 'u1']]);
  });

  it('fails a same-batch retry as its first attempt failed', async () => {
    const store = storeWith(PGLITE);
    messages.pause();
    const blocker = store.storeFanout([toDevice('x1')]);
    const first = store.storeFanout([toDevice('r1', REMOVED_DEVICE)], claim('key-3'));
    const retry = store.storeFanout([toDevice('r2', REMOVED_DEVICE)], claim('key-3'));
    messages.resume();
    await blocker;
    await expect(first).rejects.toMatchObject({ code: '23503' });
    await expect(retry).rejects.toMatchObject({ code: '23503' });
  });

  it('deletes the acknowledgements submitted while a delete runs together, and answers each once its delete is done', async () => {
    const store = storeWith(PGLITE);
    messages.pause();
    const done: string[] = [];
    const acks = ['m1', 'm2', 'm3', 'm4'].map((id) => store.deleteAcknowledged(ack(id)).then(() => done.push(id)));
    await settle();
    expect(done).toEqual([]);
    messages.resume();
    await Promise.all(acks);
    expect(messages.deletes).toEqual([['m1'], ['m2', 'm3', 'm4']]);
  });

  it('looks up the names asked for while a lookup runs in one findDestinations query; unknown names resolve null', async () => {
    const store = storeWith(PGLITE);
    messages.pause();
    const lookups = ['bob', 'bob', 'nobody', 'bob'].map((name) => store.findDestination(name));
    messages.resume();
    const [first, ...later] = await Promise.all(lookups);
    expect(messages.lookups).toEqual([['bob'], ['bob', 'nobody']]);
    expect(first).toEqual({ accountId: 'bob', devices: [{ deviceId: 1, registrationId: 7 }] });
    expect(later).toEqual([first, null, first]);
  });

  it.each([
    ['embedded PGlite', PGLITE, [['f1'], ['f2', 'f3', 'f4', 'f5', 'f6']]],
    ['PostgreSQL', POSTGRES, [['f1'], ['f2'], ['f3'], ['f4'], ['f5', 'f6']]],
  ])('runs as many flushes at once as %s has connections for', async (_, config, batches) => {
    const store = storeWith(config);
    messages.pause();
    const stored = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'].map((id) => store.storeFanout([toDevice(id)]));
    expect(messages.inserts).toHaveLength(batches.length - 1);
    messages.resume();
    await Promise.all(stored);
    expect(messages.inserts).toEqual(batches);
  });
});
