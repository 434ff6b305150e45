import type { Envelope, MessageAck } from '@parley/protocol';
import { api, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer, usingRealServices } from '../support/server';
import { openSocket, TestSocket, until } from '../support/sockets';

/**
 * Durability under a crash (API.md section 3: "200 on success: every
 * device's envelope is durably stored"; delivery is at least once). A
 * stream of sends is cut by SIGKILL of the server process; a new process on
 * the same storage (PGlite data dir in pass 1, the same PostgreSQL database
 * and Redis in pass 2) must deliver every send that was answered 200.
 * Sends that died with the connection may or may not have been stored.
 * Duplicates (an envelope id delivered again) are allowed by the contract;
 * they are counted and printed.
 */
const SENDS = 300;
const SENDERS = 6;
const CONTENT_BYTES = 300;
/** The kill comes once this many sends were answered 200: well inside the stream. */
const KILL_AFTER = 100;
const storage = usingRealServices() ? 'PostgreSQL + Redis' : 'PGlite data dir';

type Outcome = { marker: string; result: 'ok' | 'connection-error' | number };

/** ~300 bytes of content that names its send, so a delivery can be traced back to it. */
const contentFor = (marker: string) => Buffer.from(`${marker}|`.padEnd(CONTENT_BYTES, '.')).toString('base64');
const markerOf = (envelope: Envelope) => Buffer.from(envelope.content, 'base64').toString().split('|')[0];

/**
 * SENDS sends from SENDERS devices at once (each sender in order), to `to`.
 * Calls `kill` once KILL_AFTER sends were answered 200; sends after that fail
 * with connection errors. Resolves with every send's outcome.
 */
async function streamWithKill(server: TestServer, senders: TestDevice[], to: TestDevice): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let ok = 0;
  let killing = null as Promise<void> | null; // assigned in a callback: keep TypeScript from narrowing it to null
  await Promise.all(
    senders.map(async (sender, s) => {
      for (let i = s; i < SENDS; i += senders.length) {
        const marker = `send-${i}`;
        try {
          const res = await api(
            server,
            'PUT',
            `/v1/messages/${to.username}`,
            {
              timestamp: 1_000_000 + i,
              messages: [
                {
                  destinationDeviceId: to.deviceId,
                  destinationRegistrationId: to.keys.registrationId,
                  type: 2,
                  content: contentFor(marker),
                },
              ],
            },
            { token: sender.token },
          );
          outcomes.push({ marker, result: res.status === 200 ? 'ok' : res.status });
          if (res.status === 200 && ++ok === KILL_AFTER) killing = server.kill();
        } catch {
          outcomes.push({ marker, result: 'connection-error' });
        }
      }
    }),
  );
  await killing;
  return outcomes;
}

/** Every delivery in order; `duplicates` counts deliveries of an id already delivered. */
function tally(deliveries: Envelope[]) {
  const seen = new Set<string>();
  const idsByMarker = new Map<string, Set<string>>();
  let duplicates = 0;
  for (const envelope of deliveries) {
    if (seen.has(envelope.id)) duplicates++;
    seen.add(envelope.id);
    const ids = idsByMarker.get(markerOf(envelope)) ?? new Set();
    ids.add(envelope.id);
    idsByMarker.set(markerOf(envelope), ids);
  }
  return { seen, idsByMarker, duplicates };
}

describe(`crash recovery: SIGKILL mid-stream, restart on the same storage (${storage})`, () => {
  const servers: TestServer[] = [];
  const sockets: TestSocket[] = [];
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.close());
    // Restarted processes first; the original owns the storage and removes it.
    for (const server of servers.splice(0).reverse()) await server.stop();
  });

  async function setUp() {
    const server = await startServer();
    servers.push(server);
    const bob = await newUser(server);
    const senders = await Promise.all(Array.from({ length: SENDERS }, () => newUser(server)));
    return { server, bob, senders };
  }

  async function restart(server: TestServer) {
    const restarted = await server.sibling();
    servers.push(restarted);
    return restarted;
  }

  function checkOutcomes(outcomes: Outcome[]) {
    expect(outcomes).toHaveLength(SENDS);
    // Only two endings are possible: stored (200) or the connection died.
    expect(outcomes.filter((o) => o.result !== 'ok' && o.result !== 'connection-error')).toEqual([]);
    const accepted = outcomes.filter((o) => o.result === 'ok').map((o) => o.marker);
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(accepted.length).toBeLessThan(SENDS);
    return accepted;
  }

  it(`delivers every send answered 200 to a device that connects after the restart (${SENDS} sends, ${SENDERS} senders)`, async () => {
    const { server, bob, senders } = await setUp();
    const outcomes = await streamWithKill(server, senders, bob);
    const accepted = checkOutcomes(outcomes);

    const restarted = await restart(server);
    const socket = await openSocket(restarted, bob.token);
    sockets.push(socket);
    await until(
      () => {
        const markers = new Set(socket.envelopes.map(markerOf));
        return accepted.every((m) => markers.has(m));
      },
      30_000,
      `all ${accepted.length} accepted sends`,
    ).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000)); // room for late duplicates to show up

    const { seen, idsByMarker, duplicates } = tally(socket.envelopes);
    const missing = accepted.filter((m) => !idsByMarker.has(m));
    const storedTwice = [...idsByMarker].filter(([, ids]) => ids.size > 1).map(([m]) => m);
    console.log(
      `crash recovery (${storage}, recipient offline): ${accepted.length}/${SENDS} answered 200, ` +
        `${outcomes.length - accepted.length} connection errors; delivered ${seen.size} distinct envelopes ` +
        `(${seen.size - accepted.length} from sends cut by the kill), missing ${missing.length}, duplicates ${duplicates}`,
    );
    expect(missing).toEqual([]);
    expect(storedTwice).toEqual([]);
  });

  it('redelivers after the restart whatever a connected, acking recipient had not acknowledged', async () => {
    const { server, bob, senders } = await setUp();
    // Connected through the kill: acks most envelopes after a short delay, and never every tenth.
    const before = await openSocket(server, bob.token, { autoAck: false });
    sockets.push(before);
    const acked = new Set<string>();
    before.socket.on('message', (envelope: Envelope, ack: (reply: MessageAck) => void) => {
      if (before.envelopes.length % 10 === 0) return;
      setTimeout(() => {
        if (before.socket.connected) {
          ack({ ok: true });
          acked.add(envelope.id);
        }
      }, Math.random() * 20);
    });

    const outcomes = await streamWithKill(server, senders, bob);
    const accepted = checkOutcomes(outcomes);
    await until(() => before.socket.disconnected, 5000, 'the socket to notice the kill');
    const unacked = [...new Set(before.envelopes.map((e) => e.id))].filter((id) => !acked.has(id));

    const restarted = await restart(server);
    const after = await openSocket(restarted, bob.token);
    sockets.push(after);
    await until(
      () => {
        const markers = new Set([...before.envelopes, ...after.envelopes].map(markerOf));
        const again = new Set(after.envelopes.map((e) => e.id));
        return accepted.every((m) => markers.has(m)) && unacked.every((id) => again.has(id));
      },
      30_000,
      'every accepted send and every unacknowledged envelope',
    ).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));

    const all = [...before.envelopes, ...after.envelopes];
    const { seen, idsByMarker, duplicates } = tally(all);
    const redelivered = new Set(after.envelopes.map((e) => e.id));
    const missing = accepted.filter((m) => !idsByMarker.has(m));
    const notRedelivered = unacked.filter((id) => !redelivered.has(id));
    const ackedAgain = [...acked].filter((id) => redelivered.has(id)).length;
    const storedTwice = [...idsByMarker].filter(([, ids]) => ids.size > 1).map(([m]) => m);
    console.log(
      `crash recovery (${storage}, recipient connected and acking): ${accepted.length}/${SENDS} answered 200; ` +
        `before the kill ${before.envelopes.length} delivered, ${acked.size} acked, ${unacked.length} unacked; ` +
        `after the restart ${after.envelopes.length} delivered; ${seen.size} distinct, missing ${missing.length}, ` +
        `duplicates ${duplicates} (of which ${ackedAgain} had been acked before the kill)`,
    );
    expect(missing).toEqual([]);
    expect(notRedelivered).toEqual([]);
    expect(storedTwice).toEqual([]);
    expect(before.envelopes.length).toBeGreaterThan(0);
    expect(unacked.length).toBeGreaterThan(0);
  });
});
