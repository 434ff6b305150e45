import { freePort } from '@parley/testkit';
import type { CrashPoint } from '../../apps/server/src/common/crash-point';
import { api, newAccount, newDevice, newUser, TestDevice } from '../support/fixtures';
import { FAST_RETRIES, metric, opaqueTo } from '../support/federation';
import { startServer, TestServer, usingRealServices } from '../support/server';

/**
 * Exactly once across a crash of the receiving server (docs/FEDERATION.md,
 * POST /federation/v1/messages, "Idempotence"). b.test SIGKILLs itself at a
 * chosen point of storing a relayed fan-out (PARLEY_TEST_CRASH_AT,
 * apps/server/src/common/crash-point.ts), so a.test hears no answer and
 * queues the send; a process restarted on the same storage then receives
 * a.test's retries of the same transaction. Whatever the point, each device
 * must hold every send exactly once, in the order sent.
 */
const storage = usingRealServices() ? 'PostgreSQL + Redis' : 'PGlite data dir';

/** The client timestamps of a device's queue, oldest first (read without acknowledging). */
async function queuedTimestamps(server: TestServer, device: TestDevice): Promise<number[]> {
  const res = await api<{ messages: { timestamp: number }[] }>(server, 'GET', '/v1/messages', undefined, { token: device.token });
  return res.body.messages.map((m) => m.timestamp);
}

describe(`federation: a relayed fan-out is stored exactly once across a crash of the receiver (${storage})`, () => {
  let a: TestServer;
  let b: TestServer;
  const originals: TestServer[] = [];
  let portB: number;

  /** b.test again on the same storage, dying at `crashAt` when given. */
  const restartB = async (crashAt: CrashPoint | '') => {
    await b.kill();
    b = await b.sibling({ PORT: String(portB), PARLEY_TEST_CRASH_AT: crashAt });
  };

  beforeAll(async () => {
    const portA = await freePort();
    portB = await freePort();
    a = await startServer({
      ...FAST_RETRIES,
      PORT: String(portA),
      PARLEY_DOMAIN: 'a.test',
      PARLEY_PEERS: `b.test=http://127.0.0.1:${portB}`,
    });
    originals.push(a);
    b = await startServer({ PORT: String(portB), PARLEY_DOMAIN: 'b.test', PARLEY_PEERS: `a.test=http://127.0.0.1:${portA}` });
    originals.push(b);
  });
  afterAll(async () => {
    if (!originals.includes(b)) await b?.stop();
    // The originals own the storage and remove it.
    for (const server of originals) await server.stop();
  });

  it.each<[string, CrashPoint, number]>([
    ['after its envelopes committed, before a.test heard 200', 'relayed-fanout-stored', 1],
    ['before anything of it committed', 'relayed-fanout-received', 0],
  ])(
    'b.test dies %s: the retry stores nothing twice',
    async (when, crashAt, duplicates) => {
      await restartB(crashAt);
      const alice = await newUser(a);
      const bobAccount = await newAccount(b);
      const bob = [await newDevice(b, bobAccount), await newDevice(b, bobAccount)];
      const sent = [301, 302, 303];
      // The first reaches b.test, which dies storing it: a.test queues it, and the others behind it.
      for (const timestamp of sent) {
        const res = await api(
          a,
          'PUT',
          `/v1/messages/${bobAccount.username}@b.test`,
          { timestamp, messages: opaqueTo(bob) },
          { token: alice.token },
        );
        expect(res.status).toBe(202);
      }
      await restartB('');
      const restarted = Date.now();

      // The outbox sends one destination's rows in order, so the last send stored means the first was answered.
      const lastStored = async () => (await Promise.all(bob.map((d) => queuedTimestamps(b, d)))).every((t) => t.includes(sent.at(-1)!));
      while (!(await lastStored())) {
        if (Date.now() - restarted > 120_000) throw new Error('the queued sends were not delivered within 2 minutes');
        await new Promise((r) => setTimeout(r, 200));
      }
      const deliveredAfterMs = Date.now() - restarted;
      await new Promise((r) => setTimeout(r, 1000)); // room for a late second copy
      const queues = await Promise.all(bob.map((d) => queuedTimestamps(b, d)));
      console.log(
        `crash ${when} (${storage}): ${sent.length} sends to ${bob.length} devices; stored per device ` +
          `${queues.map((q) => q.length).join(', ')} (${queues.map((q) => q.join('/')).join('; ')}); ` +
          `all stored ${deliveredAfterMs} ms after the restart`,
      );
      for (const queue of queues) expect(queue).toEqual(sent);
      expect((await metric(b, 'parley_federation_inbound_total', 'outcome="duplicate"')) ?? 0).toBe(duplicates);
    },
    180_000,
  );
});
