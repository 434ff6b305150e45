import { deviceRegistrationRequest, generateDeviceKeys } from '@parley/crypto';
import { ErrorCode, ParleyApiError, ParleyClient, RealtimeConnection, TokenPair } from '@parley/protocol';
import { startServer, TestServer } from '../../../test/support/server';

/** The SDK against a real server: typed errors, token rotation, socket reconnects. */
describe('SDK', () => {
  let server: TestServer;
  let counter = 0;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A fresh account with one device; returns that device's token pair. */
  async function newDevice(): Promise<TokenPair> {
    const client = new ParleyClient(server.url);
    const username = `sdk${++counter}`;
    await client.createAccount(username, 'correct horse battery');
    await client.login(username, 'correct horse battery');
    return client.createDevice(deviceRegistrationRequest(generateDeviceKeys(1), 'sdk test'));
  }

  /** A client whose access token the server will refuse, as if it had expired. */
  function clientWithDeadAccessToken(pair: TokenPair) {
    const client = new ParleyClient(server.url, { ...pair, accessToken: 'expired.or.garbage' });
    const rotations: TokenPair[] = [];
    client.tokens.onChange((p) => rotations.push(p));
    return { client, rotations };
  }

  it('surfaces errors as ParleyApiError with the shared error code', async () => {
    const client = new ParleyClient(server.url);
    await client.createAccount('sdktaken', 'correct horse battery');
    const error = await client.createAccount('sdktaken', 'correct horse battery').catch((e) => e);
    expect(error).toBeInstanceOf(ParleyApiError);
    expect(error).toMatchObject({ status: 409, error: ErrorCode.UsernameTaken });
    expect(typeof error.body.message).toBe('string');
  });

  it('refreshes once on 401, shares that refresh between concurrent requests, and retries them', async () => {
    const pair = await newDevice();
    const { client, rotations } = clientWithDeadAccessToken(pair);
    const [devices, counts, again] = await Promise.all([client.listDevices(), client.keyCount(), client.listDevices()]);
    expect(devices.devices).toHaveLength(1);
    expect(counts).toEqual({ preKeys: 1, pqPreKeys: 1 });
    expect(again).toEqual(devices);
    expect(rotations).toHaveLength(1);
    expect(rotations[0].refreshToken).not.toBe(pair.refreshToken);
  });

  it('rotates refresh tokens: a spent one is refused', async () => {
    const pair = await newDevice();
    const { client } = clientWithDeadAccessToken(pair);
    await client.listDevices();
    const reuse = await new ParleyClient(server.url).refresh(pair.refreshToken).catch((e) => e);
    expect(reuse).toMatchObject({ status: 401 });
  });

  it('reconnects the socket with refreshed tokens after an unauthorized handshake', async () => {
    const { client, rotations } = clientWithDeadAccessToken(await newDevice());
    const connection = new RealtimeConnection(server.url, client.tokens);
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('connected', resolve);
        connection.once('closed', reject);
        connection.connect();
      });
      expect(rotations).toHaveLength(1);
    } finally {
      connection.close();
    }
  });

  it('closes the socket for good when the refresh token is refused too', async () => {
    const pair = await newDevice();
    const client = new ParleyClient(server.url, { ...pair, accessToken: 'dead', refreshToken: 'also dead' });
    const connection = new RealtimeConnection(server.url, client.tokens);
    const closed = new Promise<Error>((resolve) => connection.once('closed', resolve));
    connection.connect();
    expect(await closed).toMatchObject({ status: 401 });
    expect(connection.socket.connected).toBe(false);
  });
});
