import { randomUUID } from 'node:crypto';
import type { DeliveryFailed } from '@parley/protocol';
import type { DatabaseService } from '../../apps/server/src/database/database.service';
import { OutboxRepository } from '../../apps/server/src/federation/outbound/outbox.repository';
import { DeliveryFailuresRepository } from '../../apps/server/src/messages/delivery-failures.repository';
import { MediumDevice, useMediumContext } from './medium-context';

/**
 * The durable `delivery:failed` notices on a real database (PGlite or
 * PostgreSQL): giving up an outbox row and queuing its notice happen
 * together, once; notices are bounded per device, expire, and only their
 * own device acknowledges them.
 */
describe('delivery:failed notices (medium)', () => {
  const ctx = useMediumContext();
  let db: DatabaseService;
  let outbox: OutboxRepository;
  let notices: DeliveryFailuresRepository;
  let alice: MediumDevice;
  let alicePhone: MediumDevice;

  const later = () => new Date(Date.now() + 3_600_000);
  const failure = (timestamp: number, extra: Partial<DeliveryFailed> = {}): DeliveryFailed => ({
    id: randomUUID(),
    destination: 'bob@b.test',
    timestamp,
    error: 'peer_unavailable',
    ...extra,
  });
  /** Queues a send from `device` to bob@b.test and returns its outbox seq. */
  const queued = async (device: MediumDevice, timestamp = 1): Promise<string> => {
    const transactionId = randomUUID();
    const now = new Date();
    await outbox.insertOutbox({
      transactionId,
      peer: 'b.test',
      destination: 'bob',
      senderAccountId: device.accountId,
      senderDeviceId: device.deviceId,
      clientTimestamp: timestamp,
      payload: {},
      attempts: 1,
      nextAttemptAt: now,
      expiresAt: now,
      lastError: null,
      createdAt: now,
    });
    const row = await db.one<{ seq: string }>('SELECT seq FROM federation_outbox WHERE transaction_id = $1', [transactionId]);
    return row!.seq;
  };
  const outboxHas = async (seq: string) => (await db.one('SELECT 1 FROM federation_outbox WHERE seq = $1', [seq])) !== null;
  const pending = (device: MediumDevice) => notices.listPending(device.accountId, device.deviceId, 2000);

  beforeAll(async () => {
    db = ctx.db;
    outbox = new OutboxRepository(db);
    notices = new DeliveryFailuresRepository(db);
    const account = await ctx.newAccount();
    alice = await ctx.newDevice(account);
    alicePhone = await ctx.newDevice(account);
  });
  beforeEach(async () => {
    await db.execute('DELETE FROM federation_outbox');
    await db.execute('DELETE FROM delivery_failures');
  });

  it('gives up the row and queues its notice together, once', async () => {
    const seq = await queued(alice, 42);
    const notice = failure(42, { error: 'mismatched_devices', missingDevices: [2], extraDevices: [] });
    expect(await outbox.giveUpOutbox(seq, notice, later())).toBe(true);
    expect(await outboxHas(seq)).toBe(false);
    expect(await pending(alice)).toEqual([notice]);
    expect(await pending(alicePhone)).toEqual([]); // the sending device's, not the account's

    // A second give-up of the same row (a worker whose lease ran out) queues nothing.
    expect(await outbox.giveUpOutbox(seq, failure(42), later())).toBe(false);
    expect(await pending(alice)).toEqual([notice]);
  });

  it('keeps the row when the notice cannot be written: nothing is lost', async () => {
    const first = failure(1);
    await outbox.giveUpOutbox(await queued(alice, 1), first, later());
    const seq = await queued(alice, 2);
    // The same notice id again violates its uniqueness: the transaction rolls back, deleting no row.
    await expect(outbox.giveUpOutbox(seq, { ...failure(2), id: first.id }, later())).rejects.toThrow();
    expect(await outboxHas(seq)).toBe(true);
    expect(await pending(alice)).toEqual([first]);
  });

  it('drops the row and queues nothing when the sending device is gone', async () => {
    const gone = await ctx.newDevice(alice.account);
    const seq = await queued(gone);
    await db.execute('DELETE FROM devices WHERE account_id = $1 AND device_id = $2', [gone.accountId, gone.deviceId]);
    expect(await outbox.giveUpOutbox(seq, failure(1), later())).toBe(false);
    expect(await outboxHas(seq)).toBe(false);
    expect(await db.rows('SELECT 1 FROM delivery_failures')).toEqual([]);
  });

  it('keeps the newest notices of a device, oldest first, and leaves other devices alone', async () => {
    await outbox.giveUpOutbox(await queued(alicePhone), failure(0), later());
    for (let t = 1; t <= 5; t++) await outbox.giveUpOutbox(await queued(alice, t), failure(t), later(), 3);
    expect((await pending(alice)).map((n) => n.timestamp)).toEqual([3, 4, 5]);
    expect((await pending(alicePhone)).map((n) => n.timestamp)).toEqual([0]);
  });

  it('skips expired notices and the sweep deletes them', async () => {
    await outbox.giveUpOutbox(await queued(alice, 1), failure(1), new Date(Date.now() - 1000));
    await outbox.giveUpOutbox(await queued(alice, 2), failure(2), later());
    expect((await pending(alice)).map((n) => n.timestamp)).toEqual([2]);
    expect(await notices.deleteExpired(100)).toBe(1);
    expect(await db.rows('SELECT 1 FROM delivery_failures')).toHaveLength(1);
  });

  it("deletes a notice only for its own device's ack", async () => {
    const notice = failure(1);
    await outbox.giveUpOutbox(await queued(alice), notice, later());
    await notices.deleteAcknowledged(alicePhone.accountId, alicePhone.deviceId, notice.id);
    const stranger = await ctx.newDevice(await ctx.newAccount());
    await notices.deleteAcknowledged(stranger.accountId, stranger.deviceId, notice.id);
    expect(await pending(alice)).toEqual([notice]);
    await notices.deleteAcknowledged(alice.accountId, alice.deviceId, notice.id);
    await notices.deleteAcknowledged(alice.accountId, alice.deviceId, notice.id); // idempotent
    expect(await pending(alice)).toEqual([]);
  });
});
