import type { ParleyConfig } from '../config/config';
import { Deferred, deferred, settle } from '../../../../test/support/deferred';
import type { EnvelopeRecord } from './envelope';
import { EnvelopeStore } from './envelope-store';
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

  async insertEnvelopes(records: Omit<EnvelopeRecord, 'seq'>[]) {
    const ids = records.map((r) => r.id);
    this.inserts.push(ids);
    await this.gate?.promise;
    if (records.some((r) => r.deviceId === REMOVED_DEVICE)) {
      throw Object.assign(new Error(`insert of ${ids.join(',')}: device ${REMOVED_DEVICE} is gone`), { code: '23503' });
    }
    return new Map(ids.map((id) => [id, String(++this.seq)]));
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
    expect([a.get('a2'), b.get('b1'), c.get('c2')]).toEqual(['2', '3', '5']);
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
    expect((await good1).has('b1')).toBe(true);
    expect((await good2).has('d1')).toBe(true);
    expect(messages.inserts).toEqual([['a1'], ['b1', 'c1', 'c2', 'd1'], ['b1'], ['c1', 'c2'], ['d1']]);
  });

  it('fails a fan-out flushed alone with its error, without a retry; an empty fan-out stores nothing', async () => {
    const store = storeWith(PGLITE);
    await expect(store.storeFanout([toDevice('c1', REMOVED_DEVICE)])).rejects.toMatchObject({ code: '23503' });
    expect(await store.storeFanout([])).toEqual(new Map());
    expect(messages.inserts).toEqual([['c1']]);
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
