import { publicKyberPreKey } from '@parley/crypto';
import type { DeviceBundle } from '@parley/protocol';
import { api, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer, usingRealServices } from '../support/server';

/**
 * The prekey directory's central guarantee (API.md section 2): no one-time
 * key is ever handed out twice, under any concurrency, across any number of
 * server processes. Pass 1 runs on PGlite, pass 2 on real PostgreSQL, where
 * the two-process case runs too (and must not be skipped there).
 */
const ONE_TIME_KEYS = 60;
const FETCHES = 200;
const REQUESTERS = 5;
// Raised so that throttling does not hide the claims under test.
const ENV = { RATE_LIMITS: 'keyFetch=10000/1' };

async function claimConcurrently(servers: TestServer[]) {
  const bob = await newUser(servers[0], { oneTimeKeys: ONE_TIME_KEYS });
  const requesters: TestDevice[] = [];
  for (let i = 0; i < REQUESTERS; i++) requesters.push(await newUser(servers[0], { oneTimeKeys: 0 }));

  const responses = await Promise.all(Array.from({ length: FETCHES }, (_, i) => api(
    servers[i % servers.length], 'GET', `/v1/keys/${bob.username}`, undefined, { token: requesters[i % REQUESTERS].token })));
  expect(responses.map((r) => r.status)).toEqual(Array(FETCHES).fill(200));
  const bundles: DeviceBundle[] = responses.map((r) => r.body.devices[0]);

  const ecIds = bundles.map((b) => b.preKey?.keyId).filter((id): id is number => id !== undefined);
  expect(ecIds).toHaveLength(ONE_TIME_KEYS);
  expect(new Set(ecIds).size).toBe(ONE_TIME_KEYS);
  expect([...ecIds].sort((a, b) => a - b)).toEqual(bob.keys.preKeys.map((k) => k.id()));
  expect(bundles.filter((b) => b.preKey === null)).toHaveLength(FETCHES - ONE_TIME_KEYS);

  const lastResort = publicKyberPreKey(bob.keys.pqLastResortPreKey);
  const kyberIds = bundles.map((b) => b.pqPreKey.keyId).filter((id) => id !== lastResort.keyId);
  expect(kyberIds).toHaveLength(ONE_TIME_KEYS);
  expect(new Set(kyberIds).size).toBe(ONE_TIME_KEYS);
  expect([...kyberIds].sort((a, b) => a - b)).toEqual(bob.keys.pqPreKeys.map((k) => k.id()));
  for (const bundle of bundles.filter((b) => b.pqPreKey.keyId === lastResort.keyId)) expect(bundle.pqPreKey).toEqual(lastResort);

  const count = await api(servers[0], 'GET', '/v1/keys/count', undefined, { token: bob.token });
  expect(count.body).toEqual({ preKeys: 0, pqPreKeys: 0 });
}

describe(`one-time key claims under concurrency (${usingRealServices() ? 'PostgreSQL' : 'PGlite'})`, () => {
  let server: TestServer;
  beforeAll(async () => { server = await startServer(ENV); });
  afterAll(async () => { await server?.stop(); });

  it(`hands out each of ${ONE_TIME_KEYS} keys exactly once to ${FETCHES} concurrent fetches from ${REQUESTERS} accounts`, async () => {
    await claimConcurrently([server]);
  });
});

describe('one-time key claims across two server processes sharing PostgreSQL', () => {
  let server: TestServer;
  let sibling: TestServer;
  beforeAll(async () => {
    if (!usingRealServices()) return;
    server = await startServer(ENV);
    sibling = await server.sibling();
  });
  afterAll(async () => {
    await sibling?.stop();
    await server?.stop();
  });

  // Runs whenever PARLEY_TEST_DATABASE_URL is set (pass 2 of .ci/run); PGlite is a single process.
  (usingRealServices() ? it : it.skip)(`hands out each key exactly once to ${FETCHES} fetches split between the two processes`, async () => {
    await claimConcurrently([server, sibling]);
  });
});
