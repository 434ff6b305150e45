import { randomUUID } from 'node:crypto';
import { generateServerKey, loadPrivateKey, newNonce, rawPublicKey, signRequest } from '../../apps/server/src/federation/signature';
import { api, ApiResponse, newAccount, newDevice, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

/**
 * One sender cannot silence a recipient (docs/SECURITY.md, "Flooding"): the
 * attacker floods one device and the device still takes other senders'
 * messages. Small bounds so a flood takes a few requests.
 */
const QUEUE = 10;
const SHARE = 4;

const oneMessage = (to: TestDevice, extra: Record<string, unknown> = {}) => ({
  timestamp: Date.now(),
  messages: [{ destinationDeviceId: to.deviceId, destinationRegistrationId: to.keys.registrationId, type: 2, content: 'AAAA' }],
  ...extra,
});

/** Sends until refused (at most QUEUE + 1 times): how many were accepted, and the refusal. */
async function flood(send: () => Promise<ApiResponse>): Promise<{ accepted: number; refusal: ApiResponse }> {
  for (let accepted = 0; accepted <= QUEUE; accepted++) {
    const res = await send();
    if (res.status !== 200) return { accepted, refusal: res };
  }
  throw new Error(`${QUEUE + 1} sends to one device were all accepted`);
}

describe('a sender’s share of a device queue (MAX_QUEUED_PER_SENDER)', () => {
  let server: TestServer;
  // A peer whose key is pinned in config, so signed fan-outs need no second server.
  const peerKey = loadPrivateKey(generateServerKey());
  const send = (from: TestDevice, to: TestDevice) =>
    api(server, 'PUT', `/v1/messages/${to.username}`, oneMessage(to), { token: from.token });
  const relayed = async (source: string, to: TestDevice): Promise<ApiResponse> => {
    const path = '/federation/v1/messages';
    const payload = { ...oneMessage(to), transactionId: randomUUID(), source, sourceDeviceId: 1, destination: to.username };
    const body = Buffer.from(JSON.stringify(payload));
    const headers = signRequest(peerKey, {
      method: 'POST',
      path,
      origin: 'peer.test',
      destination: 'share.test',
      timestamp: Date.now(),
      nonce: newNonce(),
      body,
    });
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    return { status: res.status, body: await res.json(), headers: res.headers };
  };
  const queued = async (device: TestDevice) =>
    (await api(server, 'GET', '/v1/messages', undefined, { token: device.token })).body.messages as { source: string }[];

  beforeAll(async () => {
    server = await startServer({
      MAX_QUEUED_PER_DEVICE: String(QUEUE),
      MAX_QUEUED_PER_SENDER: String(SHARE),
      PARLEY_DOMAIN: 'share.test',
      PARLEY_PEERS: `peer.test=http://127.0.0.1:9#${rawPublicKey(peerKey)}`,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a flooder at its share with 429 queue_share_full and Retry-After, storing nothing; others still deliver', async () => {
    const mallory = await newUser(server);
    const alice = await newUser(server);
    const bob = await newUser(server);
    const { accepted, refusal } = await flood(() => send(mallory, bob));

    expect((await send(alice, bob)).status).toBe(200);
    expect(accepted).toBe(SHARE);
    expect(refusal.status).toBe(429);
    expect(refusal.body.error).toBe('queue_share_full');
    expect(Number(refusal.headers.get('retry-after'))).toBeGreaterThan(0);
    const sources = (await queued(bob)).map((e) => e.source);
    expect(sources).toEqual([...Array(SHARE).fill(mallory.username), alice.username]);
  });

  it('holds a remote sender to a share of its own, by its full address, apart from other users of its server', async () => {
    const bob = await newUser(server);
    const { accepted, refusal } = await flood(() => relayed('mallory@peer.test', bob));

    expect((await relayed('alice@peer.test', bob)).status).toBe(200);
    expect(accepted).toBe(SHARE);
    expect(refusal).toMatchObject({ status: 429, body: { error: 'queue_share_full' } });
    expect(Number(refusal.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await queued(bob)).map((e) => e.source)).toEqual([...Array(SHARE).fill('mallory@peer.test'), 'alice@peer.test']);
  });

  it('lets a device fill up from many senders: the queue bound still answers queue_full to everyone', async () => {
    const bob = await newUser(server);
    const senders = await Promise.all(Array.from({ length: QUEUE / 2 }, () => newUser(server)));
    for (const sender of senders) for (let i = 0; i < 2; i++) expect((await send(sender, bob)).status).toBe(200);
    const latecomer = await newUser(server);
    expect(await send(latecomer, bob)).toMatchObject({ status: 429, body: { error: 'queue_full' } });
  });

  it('holds sync copies to the sender’s own devices to the queue bound only', async () => {
    const account = await newAccount(server);
    const phone = await newDevice(server, account);
    const laptop = await newDevice(server, account);
    const { accepted, refusal } = await flood(() => send(phone, laptop));
    expect(accepted).toBe(QUEUE);
    expect(refusal.body.error).toBe('queue_full');
  });
});

describe('a sender’s rate towards one recipient (RATE_LIMITS messageSendPerRecipient)', () => {
  let server: TestServer;
  const RATE = 5;
  const sendOnline = (from: TestDevice, to: TestDevice) =>
    api(server, 'PUT', `/v1/messages/${to.username}`, oneMessage(to, { online: true }), { token: from.token });

  beforeAll(async () => {
    server = await startServer({ RATE_LIMITS: `messageSendPerRecipient=${RATE}/3600` });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('throttles one sender towards one recipient with 429 rate_limited, not its other sends nor other senders', async () => {
    const mallory = await newUser(server);
    const alice = await newUser(server);
    const bob = await newUser(server);
    const carol = await newUser(server);
    // Online envelopes are never queued, so only the rate can stop them.
    for (let i = 0; i < RATE; i++) expect((await sendOnline(mallory, bob)).status).toBe(200);
    const throttled = await sendOnline(mallory, bob);
    expect(throttled).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await sendOnline(mallory, carol)).status).toBe(200);
    expect((await sendOnline(alice, bob)).status).toBe(200);
  });
});
