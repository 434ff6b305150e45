import type { Envelope, MessageAck } from '@parley/protocol';
import { api, newAccount, newDevice, newUser, TestDevice, removeDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';
import { socketPool } from '../support/sockets';

/**
 * "Never a 5xx for bad input" (API.md, Conventions) on the message routes
 * and socket events: whatever a client sends, it gets a 4xx (or its ack is
 * ignored), nothing is stored, and the server keeps serving.
 */
const valid = (to: TestDevice) => ({
  timestamp: 1,
  messages: [{ destinationDeviceId: to.deviceId, destinationRegistrationId: to.keys.registrationId, type: 2, content: 'AAAA' }],
});
const entry = (to: TestDevice, change: Record<string, unknown>) => ({ ...valid(to), messages: [{ ...valid(to).messages[0], ...change }] });

/** Bodies that are wrong in shape or type; each must be refused with a 4xx. */
const badBodies = (to: TestDevice): [string, unknown][] => [
  ['null', null],
  ['a string', 'hello'],
  ['a number', 42],
  ['true', true],
  ['an array', [valid(to)]],
  ['an empty object', {}],
  ['messages as an object', { timestamp: 1, messages: { 0: valid(to).messages[0] } }],
  ['messages as a string', { timestamp: 1, messages: 'x' }],
  ['messages of nulls', { timestamp: 1, messages: [null] }],
  ['messages of numbers', { timestamp: 1, messages: [1, 2] }],
  ['messages of strings', { timestamp: 1, messages: ['x'] }],
  ['messages of arrays', { timestamp: 1, messages: [[1]] }],
  [
    '200 messages',
    { timestamp: 1, messages: Array.from({ length: 200 }, (_, i) => ({ ...valid(to).messages[0], destinationDeviceId: (i % 127) + 1 })) },
  ],
  ['20,000 empty messages', { timestamp: 1, messages: Array.from({ length: 20_000 }, () => ({})) }],
  ['timestamp as a string', { ...valid(to), timestamp: '1' }],
  ['timestamp negative', { ...valid(to), timestamp: -1 }],
  ['timestamp fractional', { ...valid(to), timestamp: 1.5 }],
  ['timestamp beyond bigint', { ...valid(to), timestamp: 1e20 }],
  ['timestamp beyond safe integers', { ...valid(to), timestamp: 2 ** 60 }],
  ['timestamp as an object', { ...valid(to), timestamp: { $gt: 0 } }],
  ['online as a string', { ...valid(to), online: 'yes' }],
  ['urgent as a number', { ...valid(to), urgent: 1 }],
  ['an unknown top-level field', { ...valid(to), extra: 1 }],
  ['__proto__ field', JSON.parse(`{"timestamp":1,"messages":[],"__proto__":{"polluted":true}}`)],
  ['device id as a string', entry(to, { destinationDeviceId: '1' })],
  ['device id 0', entry(to, { destinationDeviceId: 0 })],
  ['device id huge', entry(to, { destinationDeviceId: 2 ** 40 })],
  ['device id fractional', entry(to, { destinationDeviceId: 1.5 })],
  ['registration id negative', entry(to, { destinationRegistrationId: -5 })],
  ['registration id huge', entry(to, { destinationRegistrationId: 1e30 })],
  ['type null', entry(to, { type: null })],
  ['type as a string', entry(to, { type: '2' })],
  ['content a number', entry(to, { content: 12 })],
  ['content an array', entry(to, { content: ['AAAA'] })],
  ['content an object', entry(to, { content: { a: 1 } })],
  ['content not base64', entry(to, { content: '!!!' })],
  ['content with a NUL', entry(to, { content: 'AA\u0000A' })],
  ['content too large', entry(to, { content: Buffer.alloc(256 * 1024 + 3).toString('base64') })],
  ['an unknown field in an entry', entry(to, { sneaky: 1 })],
  ['an entry missing fields', { timestamp: 1, messages: [{ destinationDeviceId: to.deviceId }] }],
];

/** Destinations that are not valid addresses, or name nobody. */
const isClientError = (status: number) => status >= 400 && status < 500;

/** Answers (name, status) that are not 4xx: what every check below expects to be empty. */
const notClientErrors = (answers: [string, number][]) => answers.filter(([, status]) => !isClientError(status));

const badAddresses = [
  'nobody_here',
  'x',
  'A'.repeat(5000),
  'bob@',
  '@',
  '@@',
  'a@b@c',
  'bob@evil.example',
  '..',
  'bob%00',
  'ünïcode',
  ' ',
  'bob@localhost:99999',
];

describe('message routes and socket events never answer 5xx to client input', () => {
  let server: TestServer;
  let alice: TestDevice;
  let bob: TestDevice;
  const sockets = socketPool(() => server);
  const { connect } = sockets;
  const queueOf = async (device: TestDevice) =>
    (await api(server, 'GET', '/v1/messages', undefined, { token: device.token })).body.messages as Envelope[];

  beforeAll(async () => {
    server = await startServer();
    [alice, bob] = await Promise.all([newUser(server), newUser(server)]);
  });
  afterEach(sockets.closeAll);
  afterAll(async () => {
    await server?.stop();
  });

  it('PUT /v1/messages/:address refuses malformed bodies with 4xx and stores nothing', async () => {
    const answers: [string, number, unknown][] = [];
    for (const [name, body] of badBodies(bob)) {
      const res = await api(server, 'PUT', `/v1/messages/${bob.username}`, body, { token: alice.token });
      answers.push([name, res.status, res.body]);
    }
    expect(notClientErrors(answers.map(([name, status]) => [name, status]))).toEqual([]);
    for (const [, , body] of answers)
      expect(body).toEqual(expect.objectContaining({ error: expect.any(String), message: expect.any(String) }));
    expect(await queueOf(bob)).toEqual([]);
  });

  it('PUT /v1/messages/:address refuses raw non-JSON, wrong content types and bad addresses with 4xx', async () => {
    const raws = [
      '',
      '{',
      '{"timestamp":',
      'nul',
      '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
      '"\\ud800"',
      `{"timestamp":1,"messages":[${'{},'.repeat(10)}{}]}`,
    ];
    const answers: [string, number][] = [];
    for (const raw of raws) {
      answers.push([
        raw.slice(0, 20),
        (await api(server, 'PUT', `/v1/messages/${bob.username}`, undefined, { token: alice.token, raw })).status,
      ]);
    }
    const textPlain = await fetch(`${server.url}/v1/messages/${bob.username}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' },
      body: JSON.stringify(valid(bob)),
    });
    answers.push(['text/plain', textPlain.status]);
    const tooBig = await fetch(`${server.url}/v1/messages/${bob.username}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: 'x'.repeat(3 * 1024 * 1024),
    });
    expect(tooBig.status).toBe(413);
    for (const address of badAddresses) {
      const res = await api(server, 'PUT', `/v1/messages/${encodeURIComponent(address)}`, valid(bob), { token: alice.token });
      expect([address.slice(0, 20), res.status]).toEqual([address.slice(0, 20), 404]);
    }
    for (const path of ['%E0%A4%A', '%', '%ZZ', 'bob%2F..%2F']) {
      answers.push([path, (await api(server, 'PUT', `/v1/messages/${path}`, valid(bob), { token: alice.token })).status]);
    }
    expect(notClientErrors(answers)).toEqual([]);
    expect(await queueOf(bob)).toEqual([]);
  });

  it('GET and DELETE /v1/messages refuse garbage with 4xx', async () => {
    const answers: [string, number][] = [];
    for (const id of [
      'x',
      '1',
      'not-a-uuid',
      '00000000-0000-0000-0000-00000000000g',
      "'; DROP TABLE envelopes; --",
      '%E0%A4%A',
      '%',
      'A'.repeat(3000),
    ]) {
      answers.push([
        id.slice(0, 20),
        (await api(server, 'DELETE', `/v1/messages/${encodeURI(id)}`, undefined, { token: bob.token })).status,
      ]);
    }
    expect(notClientErrors(answers)).toEqual([]);
    const wellFormed: [string, number][] = [];
    for (const id of [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ]) {
      wellFormed.push([id, (await api(server, 'DELETE', `/v1/messages/${id}`, undefined, { token: bob.token })).status]);
    }
    expect(wellFormed.filter(([, status]) => status >= 500)).toEqual([]);
    const withBody = await api(server, 'GET', '/v1/messages?afterSeq=abc&limit=-1', undefined, { token: bob.token });
    expect(withBody.status).toBe(200);
  });

  it('socket `send` answers 4xx for malformed payloads and keeps the connection', async () => {
    const nested = (levels: number) => {
      let value: unknown = [];
      for (let i = 0; i < levels; i++) value = [value];
      return value;
    };
    const socket = await connect(alice);
    const payloads: [string, unknown][] = [
      ['undefined', undefined],
      ['no destination', valid(bob)],
      ['destination a number', { ...valid(bob), destination: 5 }],
      ['destination null', { ...valid(bob), destination: null }],
      ['destination an array', { ...valid(bob), destination: [bob.username] }],
      ['destination an object', { ...valid(bob), destination: { username: bob.username } }],
      ['messages nested 2,500 levels deep', { ...valid(bob), destination: bob.username, messages: nested(2500) }],
      ...badAddresses.map((a): [string, unknown] => [`destination ${a.slice(0, 20)}`, { ...valid(bob), destination: a }]),
      ...badBodies(bob).map(([name, body]): [string, unknown] => [
        name,
        body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, destination: bob.username } : body,
      ]),
    ];
    const replies: [string, number][] = [];
    for (const [name, payload] of payloads) {
      const reply = await socket.send(payload as never);
      replies.push([name, reply?.status]);
    }
    expect(notClientErrors(replies)).toEqual([]);
    // Several arguments, no ack callback at all: nothing to answer, nothing breaks.
    const untyped = socket.socket as unknown as { emit(event: string, ...args: unknown[]): void };
    untyped.emit('send', 1, 2, 3);
    untyped.emit('send');
    untyped.emit('no-such-event', { a: 1 });
    const ok = await socket.send({ destination: bob.username, ...valid(bob) });
    expect(ok.status).toBe(200);
    expect(socket.socket.connected).toBe(true);
    expect(await queueOf(bob)).toHaveLength(1);
    await api(server, 'DELETE', `/v1/messages/${(await queueOf(bob))[0].id}`, undefined, { token: bob.token });
  });

  it('ignores garbage acks: the envelope stays queued and is delivered again; the server keeps serving', async () => {
    const garbage: unknown[][] = [
      [],
      [null],
      ['ok'],
      [{ ok: 'true' }],
      [{ ok: 1 }],
      [[{ ok: true }]],
      [{ ok: false }],
      [1, 2, 3],
      [{ ok: { ok: true } }],
    ];
    const socket = await connect(bob, { autoAck: false });
    let n = 0;
    const untyped = socket.socket as unknown as {
      on(event: 'message', listener: (envelope: Envelope, ack: (...reply: unknown[]) => void) => void): void;
    };
    untyped.on('message', (_envelope, ack) => {
      ack(...garbage[n++ % garbage.length]);
    });
    for (let i = 0; i < garbage.length; i++) {
      expect(
        (await api(server, 'PUT', `/v1/messages/${bob.username}`, { ...valid(bob), timestamp: 100 + i }, { token: alice.token })).status,
      ).toBe(200);
    }
    await socket.waitForEnvelopes(garbage.length);
    expect(socket.socket.connected).toBe(true);
    socket.close();

    // None of those acks counted: all are still queued and come again on the next connection.
    expect((await queueOf(bob)).map((e) => e.timestamp)).toEqual(garbage.map((_, i) => 100 + i));
    const again = await connect(bob);
    await again.waitForEnvelopes(garbage.length);
    expect(again.envelopes.map((e) => e.timestamp)).toEqual(garbage.map((_, i) => 100 + i));
    const deadline = Date.now() + 5000;
    while ((await queueOf(bob)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await queueOf(bob)).toEqual([]);
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('answers 409 (never 500) to sends racing the removal of a destination device', async () => {
    const carolAccount = await newAccount(server);
    const carol1 = await newDevice(server, carolAccount);
    const carol2 = await newDevice(server, carolAccount);
    const body = {
      timestamp: 1,
      messages: [carol1, carol2].map((d) => ({
        destinationDeviceId: d.deviceId,
        destinationRegistrationId: d.keys.registrationId,
        type: 2,
        content: 'AAAA',
      })),
    };
    const sends = Array.from({ length: 60 }, (_, i) =>
      new Promise((r) => setTimeout(r, i)).then(() =>
        api(server, 'PUT', `/v1/messages/${carolAccount.username}`, body, { token: alice.token }),
      ),
    );
    const removal = new Promise((r) => setTimeout(r, 20)).then(() => removeDevice(server, carol1, carol2.deviceId));
    const statuses = (await Promise.all(sends)).map((r) => r.status);
    expect((await removal).status).toBe(204);
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect(statuses).toContain(409);
  });

  it('acks twice, late acks after the queue was emptied, and acks racing a disconnect are harmless', async () => {
    const socket = await connect(bob, { autoAck: false });
    const acks: ((reply: MessageAck) => void)[] = [];
    socket.socket.on('message', (_e: Envelope, ack: (reply: MessageAck) => void) => acks.push(ack));
    expect((await api(server, 'PUT', `/v1/messages/${bob.username}`, valid(bob), { token: alice.token })).status).toBe(200);
    await socket.waitForEnvelopes(1);
    acks[0]({ ok: true });
    acks[0]({ ok: true });
    socket.close();
    acks[0]({ ok: true });
    const again = await connect(bob);
    await new Promise((r) => setTimeout(r, 300));
    expect(again.socket.connected).toBe(true);
    expect(again.envelopes.length).toBeLessThanOrEqual(1);
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });
});
