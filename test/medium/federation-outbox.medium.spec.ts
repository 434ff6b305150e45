import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DeliveryFailed } from '@parley/protocol';
import type { AuthenticatedDevice } from '../../apps/server/src/auth/authenticated-user';
import type { ParleyConfig } from '../../apps/server/src/config/config';
import type { DatabaseService } from '../../apps/server/src/database/database.service';
import { ManualClock } from '../../apps/server/src/common/clock';
import type { FederationClient, PeerAnswer } from '../../apps/server/src/federation/outbound/federation.client';
import { FederationRelayService } from '../../apps/server/src/federation/outbound/federation-relay.service';
import { NoncesRepository } from '../../apps/server/src/federation/inbound/nonces.repository';
import { OutboxRepository } from '../../apps/server/src/federation/outbound/outbox.repository';
import { OutboxWorker } from '../../apps/server/src/federation/outbound/outbox.worker';
import { PeerDirectory } from '../../apps/server/src/federation/outbound/peer-directory.service';
import { PeersRepository } from '../../apps/server/src/federation/outbound/peers.repository';
import { LocalDeliveryBus } from '../../apps/server/src/delivery/local-delivery-bus';
import { DeliveryFailuresRepository } from '../../apps/server/src/messages/delivery-failures.repository';
import type { SendMessagesDto } from '../../apps/server/src/messages/dto/send-messages.dto';
import { claimId, FanoutClaim, IdempotencyClaim, NewFanout, TransactionClaim } from '../../apps/server/src/messages/idempotency';
import { MessagesRepository } from '../../apps/server/src/messages/messages.repository';
import { MetricsService } from '../../apps/server/src/metrics/metrics.service';
import { useMediumContext } from './medium-context';

/**
 * The federation outbox and inbox on a real database (PGlite in pass 1 of
 * .ci/run, PostgreSQL in pass 2), with the peer replaced by scripted
 * answers and time moved by a ManualClock instead of sleeping.
 */

const WINDOW_SECONDS = 3600;
const UNREACHABLE: PeerAnswer = { reached: false, error: 'ECONNREFUSED' };
const OK: PeerAnswer = { reached: true, status: 200, body: {} };

describe('federation outbox and inbox (medium)', () => {
  const ctx = useMediumContext();
  let repository: OutboxRepository;
  let db: DatabaseService;
  let sender: AuthenticatedDevice;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = ctx.db;
    repository = new OutboxRepository(db);
    const device = await ctx.newDevice(await ctx.newAccount({ username: 'alice' }));
    sender = { accountId: device.accountId, username: 'alice', deviceId: device.deviceId, sessionId: 's' };
  });
  beforeEach(async () => {
    await db.execute('DELETE FROM federation_outbox');
    await db.execute('DELETE FROM delivery_failures');
  });

  /** A relay and a worker sharing one clock, a scripted peer and a delivery bus that records delivery:failed. */
  function setup(answers: (payload: any) => PeerAnswer | Promise<PeerAnswer>) {
    const config = {
      domain: 'a.test',
      peers: [{ domain: 'b.test', baseUrl: 'http://b.invalid' }],
      redisPrefix: 'test:',
      federationRetryWindowSeconds: WINDOW_SECONDS,
      federationRetryBaseMs: 1000,
      federationRetryMaxMs: 60_000,
      federationOutboxPollMs: 1000,
      federationRequestTimeoutMs: 1000,
      messageTtlSeconds: 86400,
    } as ParleyConfig;
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const sent: any[] = [];
    const client = {
      post: jest.fn(async (_domain: string, _path: string, payload: any) => {
        sent.push(payload);
        return answers(payload);
      }),
    } as unknown as FederationClient;
    const metrics = new MetricsService();
    const peers = new PeerDirectory(config, new PeersRepository(db), clock, metrics);
    const bus = new LocalDeliveryBus();
    const failures: DeliveryFailed[] = [];
    void bus.subscribe(sender.accountId, sender.deviceId, (signal) => {
      if (signal.kind === 'deliveryFailed') failures.push(signal.failure);
    });
    const relay = new FederationRelayService(config, client, repository, clock, metrics);
    const worker = () => new OutboxWorker(config, repository, client, bus, peers, clock, metrics);
    return { clock, sent, relay, worker: worker(), worker2: worker(), failures };
  }
  const dto = (timestamp: number, destinationDeviceId = 1) =>
    ({ timestamp, messages: [{ destinationDeviceId, destinationRegistrationId: 7, type: 2, content: 'AA==' }] }) as SendMessagesDto;
  const pendingFailures = () => new DeliveryFailuresRepository(db).listPending(sender.accountId, sender.deviceId, 10);
  const outbox = () => db.rows<{ attempts: number; next_attempt_at: Date; payload: any }>('SELECT * FROM federation_outbox ORDER BY seq');

  it('queues a send the peer cannot take, retries it with growing delays, and gives up after the window', async () => {
    const { clock, relay, worker, sent, failures } = setup(() => UNREACHABLE);
    expect(await relay.relayMessages(sender, 'bob', 'b.test', dto(11))).toEqual({ status: 202, body: {} });
    const [row] = await outbox();
    expect(row.attempts).toBe(1);
    const firstDelay = row.next_attempt_at.getTime() - clock.now();
    expect(firstDelay).toBeGreaterThanOrEqual(500);
    expect(firstDelay).toBeLessThanOrEqual(1000);

    expect(await worker.runOnce()).toBe(0); // not due yet
    clock.advance(firstDelay);
    expect(await worker.runOnce()).toBe(1);
    const [retried] = await outbox();
    expect(retried.attempts).toBe(2);
    const secondDelay = retried.next_attempt_at.getTime() - clock.now();
    expect(secondDelay).toBeGreaterThanOrEqual(1000);
    expect(secondDelay).toBeLessThanOrEqual(2000);

    clock.advance(WINDOW_SECONDS * 1000);
    expect(await worker.runOnce()).toBe(1);
    expect(failures).toEqual([{ id: expect.any(String), destination: 'bob@b.test', timestamp: 11, error: 'peer_unavailable' }]);
    expect(await pendingFailures()).toEqual(failures); // what the device was told live is also kept until it acks
    expect(await outbox()).toEqual([]);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((p) => p.transactionId)).size).toBe(1); // one transaction, however often it is sent
  });

  it('turns a final refusal of a queued send into delivery:failed with the peer’s device lists', async () => {
    let answer: PeerAnswer = UNREACHABLE;
    const { clock, relay, worker, failures } = setup(() => answer);
    expect((await relay.relayMessages(sender, 'bob', 'b.test', dto(12))).status).toBe(202);
    answer = { reached: true, status: 409, body: { error: 'mismatched_devices', message: 'no', missingDevices: [2], extraDevices: [] } };
    clock.advance(60_000);
    await worker.runOnce();
    expect(failures).toEqual([
      {
        id: expect.any(String),
        destination: 'bob@b.test',
        timestamp: 12,
        error: 'mismatched_devices',
        missingDevices: [2],
        extraDevices: [],
      },
    ]);
    expect(await pendingFailures()).toEqual(failures);
    expect(await outbox()).toEqual([]);
  });

  it('passes a direct refusal back to the client and stores nothing', async () => {
    const { relay } = setup(() => ({ reached: true, status: 410, body: { error: 'stale_devices', message: 'stale', staleDevices: [1] } }));
    await expect(relay.relayMessages(sender, 'bob', 'b.test', dto(13))).rejects.toMatchObject({
      code: 'stale_devices',
      extra: { staleDevices: [1] },
    });
    expect(await outbox()).toEqual([]);
  });

  it('queues new sends behind earlier ones and sends each destination’s rows in order', async () => {
    let answer: PeerAnswer = UNREACHABLE;
    const { clock, relay, worker, sent } = setup(() => answer);
    expect((await relay.relayMessages(sender, 'bob', 'b.test', dto(1))).status).toBe(202);
    answer = OK; // the peer is back, but what was accepted earlier goes first
    expect((await relay.relayMessages(sender, 'bob', 'b.test', dto(2))).status).toBe(202);
    expect((await relay.relayMessages(sender, 'bob', 'b.test', dto(3))).status).toBe(202);
    expect(sent).toHaveLength(1);
    clock.advance(60_000);
    while ((await worker.runOnce()) > 0) {
      /* one row of bob's per pass */
    }
    expect(sent.map((p) => p.timestamp)).toEqual([1, 1, 2, 3]);
    expect(await outbox()).toEqual([]);
    expect((await relay.relayMessages(sender, 'bob', 'b.test', dto(4))).status).toBe(200);
  });

  it('lets two workers share the outbox without sending any row twice', async () => {
    let answer: PeerAnswer = UNREACHABLE;
    const { clock, relay, worker, worker2, sent } = setup(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return answer;
    });
    for (let i = 0; i < 30; i++) expect((await relay.relayMessages(sender, `bob${i}`, 'b.test', dto(i))).status).toBe(202);
    answer = OK;
    sent.length = 0;
    clock.advance(60_000);
    await Promise.all([worker.runOnce(), worker2.runOnce(), worker.runOnce(), worker2.runOnce()]);
    expect(sent).toHaveLength(30);
    expect(new Set(sent.map((p) => p.transactionId)).size).toBe(30);
    expect(await outbox()).toEqual([]);
  });

  it('stores a peer’s transaction once, with its envelopes in one statement; a failed store records nothing', async () => {
    const messages = new MessagesRepository(db);
    const bob = await ctx.newAccount();
    const device = await ctx.newDevice(bob);
    const fanout = (claim?: FanoutClaim, deviceId = device.deviceId): NewFanout => ({
      envelopes: [
        {
          id: randomUUID(),
          accountId: bob.id,
          deviceId,
          source: 'mallet@a.test',
          sourceDeviceId: 1,
          type: 1,
          content: Buffer.from('ciphertext'),
          timestamp: 1,
          serverTimestamp: 2,
          expiresAt: new Date(Date.now() + 60_000),
        },
      ],
      claim,
    });
    const transaction = (origin: string, transactionId: string): TransactionClaim => ({ origin, transactionId });
    const stored = async (...fanouts: NewFanout[]) => (await messages.insertFanouts(fanouts)).size;
    const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()];

    expect(await stored(fanout(transaction('a.test', t1)))).toBe(1);
    expect(await stored(fanout(transaction('a.test', t1)))).toBe(0);
    expect(await stored(fanout(transaction('c.test', t1)))).toBe(1); // per origin
    // A device that is not there fails the statement: neither the envelope nor the transaction is recorded.
    await expect(messages.insertFanouts([fanout(transaction('a.test', t2), 99)])).rejects.toMatchObject({ code: '23503' });
    expect(await messages.findClaimed([transaction('a.test', t1), transaction('a.test', t2)])).toEqual(
      new Set([claimId(transaction('a.test', t1))]),
    );
    expect(await stored(fanout(transaction('a.test', t2)))).toBe(1);

    // Concurrent deliveries of one transaction (on PostgreSQL over separate connections) store it once.
    const racing = await Promise.all(Array.from({ length: 6 }, () => stored(fanout(transaction('a.test', t3)))));
    expect(racing.sort()).toEqual([0, 0, 0, 0, 0, 1]);

    // One statement may carry unclaimed, keyed and relayed fan-outs; each claim gates its own envelopes.
    const key: IdempotencyClaim = { senderAccountId: bob.id, senderDeviceId: device.deviceId, destinationAccountId: bob.id, key: 'k' };
    const t4 = randomUUID();
    expect(await stored(fanout(), fanout(key), fanout(transaction('a.test', t4)))).toBe(3);
    expect(await stored(fanout(), fanout(key), fanout(transaction('a.test', t4)))).toBe(1);
    expect(await messages.findClaimed([key, transaction('a.test', t4)])).toEqual(
      new Set([claimId(key), claimId(transaction('a.test', t4))]),
    );
  });

  it('remembers a nonce once per origin', async () => {
    const nonces = new NoncesRepository(db);
    const until = new Date(Date.now() + 60_000);
    expect(await nonces.rememberNonce('a.test', 'n'.repeat(20), until)).toBe(true);
    expect(await nonces.rememberNonce('a.test', 'n'.repeat(20), until)).toBe(false);
    expect(await nonces.rememberNonce('b.test', 'n'.repeat(20), until)).toBe(true);
  });
});
