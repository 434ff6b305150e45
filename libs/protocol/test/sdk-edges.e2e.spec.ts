import {
  deviceListEntry,
  deviceRegistrationRequest,
  generateAccountIdentity,
  generateDeviceKeys,
  signListWithDevice,
} from '@parley/crypto';
import {
  DEVICE_LOGIN_CONTEXT,
  ErrorCode,
  ParleyApiError,
  ParleyClient,
  RealtimeConnection,
  TokenPair,
  parseRetryAfter,
} from '@parley/protocol';
import { startServer, TestServer } from '../../../test/support/server';
import { PathPrefixProxy } from './path-prefix-proxy';

/** The SDK at the edges a real deployment has: a base URL with a path, and tokens that are no longer accepted. */
describe('SDK edges', () => {
  let server: TestServer;
  let proxy: PathPrefixProxy;
  let counter = 0;
  beforeAll(async () => {
    server = await startServer();
    proxy = await PathPrefixProxy.start(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  /** A fresh account with one device, registered through `baseUrl`. */
  async function newDevice(baseUrl = server.url) {
    const client = new ParleyClient(baseUrl);
    const username = `edge${++counter}`;
    await client.createAccount(username, 'correct horse battery');
    await client.login(username, 'correct horse battery');
    const { domain } = await client.serverKey();
    const keys = generateDeviceKeys(1);
    const deviceList = signListWithDevice(generateAccountIdentity(), `${username}@${domain}`, null, deviceListEntry(keys, 1));
    const pair = await client.createDevice(deviceRegistrationRequest(keys, 'edge test', deviceList));
    /** Device login (API.md section 1), as a renewal function would do it. */
    const deviceLogin = async (into: ParleyClient): Promise<TokenPair> => {
      const { challenge } = await into.challenge(username, 1);
      const signed = Buffer.concat([Buffer.from(DEVICE_LOGIN_CONTEXT, 'utf8'), Buffer.from(challenge, 'base64')]);
      const signature = Buffer.from(keys.identity.privateKey.sign(new Uint8Array(signed))).toString('base64');
      return into.deviceLogin(username, 1, challenge, signature);
    };
    return { client, username, pair, deviceLogin };
  }

  const connectOnce = (connection: RealtimeConnection) =>
    new Promise<void>((resolve, reject) => {
      connection.once('connected', resolve);
      connection.once('closed', reject);
      connection.connect();
    });

  it('speaks HTTP and socket.io to a server behind a reverse proxy at a path', async () => {
    const { client } = await newDevice(proxy.url);
    expect((await client.listDevices()).devices).toHaveLength(1);
    const connection = new RealtimeConnection(`${proxy.url}/`, client.tokens);
    try {
      await connectOnce(connection);
    } finally {
      connection.close();
    }
  });

  it('renews tokens with its renewal function once the refresh token is refused, one renewal for concurrent requests', async () => {
    const { client: original, pair, deviceLogin } = await newDevice();
    await original.logout();
    const client = new ParleyClient(server.url, pair);
    let renewals = 0;
    client.tokens.renewWith(() => {
      renewals++;
      return deviceLogin(client);
    });
    const lists = await Promise.all([client.listDevices(), client.listDevices(), client.keyCount()]);
    expect(lists).toHaveLength(3);
    expect(renewals).toBe(1);
  });

  it('hands the renewal’s own error to the caller instead of the 401', async () => {
    const { client, pair } = await newDevice();
    await client.logout();
    const revoked = new ParleyClient(server.url, pair);
    revoked.tokens.renewWith(() => Promise.reject(new Error('this device was removed')));
    await expect(revoked.listDevices()).rejects.toThrow('this device was removed');
  });

  it('exposes the wait of Retry-After and the request a refusal answered', async () => {
    const client = new ParleyClient(server.url);
    await client.createAccount('throttled', 'correct horse battery');
    let refusal: unknown;
    // The first 5 failures at one address are free; the 6th makes the next attempt wait (LOGIN_BACKOFFS.perAddress).
    for (let attempt = 0; attempt < 7 && !(refusal instanceof ParleyApiError && refusal.status === 429); attempt++) {
      refusal = await client.login('throttled', 'wrong').catch((e: unknown) => e);
    }
    expect(refusal).toMatchObject({ status: 429, error: ErrorCode.RateLimited, request: { method: 'POST', path: '/v1/auth/login' } });
    const { retryAfterMs } = refusal as ParleyApiError;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it.each([
    ['delay-seconds', '42', 42_000],
    ['an HTTP-date', new Date(1_000_000 + 5_000).toUTCString(), 5_000],
    ['a date in the past', new Date(0).toUTCString(), 0],
    ['nothing', null, undefined],
    ['garbage', 'soon', undefined],
  ])('reads Retry-After as %s', (_name, header, expected) => expect(parseRetryAfter(header, 1_000_000)).toBe(expected));
});
