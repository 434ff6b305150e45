import { expectEachKeyClaimedOnce } from '../support/key-claims';
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
const ENV = { RATE_LIMITS: 'keyFetch=10000/1,keyFetchPerTarget=10000/1' };

const claimConcurrently = (servers: TestServer[]) =>
  expectEachKeyClaimedOnce(servers, { oneTimeKeys: ONE_TIME_KEYS, fetches: FETCHES, requesters: REQUESTERS });

describe(`one-time key claims under concurrency (${usingRealServices() ? 'PostgreSQL' : 'PGlite'})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(ENV);
  });
  afterAll(async () => {
    await server?.stop();
  });

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
  (usingRealServices() ? it : it.skip)(
    `hands out each key exactly once to ${FETCHES} fetches split between the two processes`,
    async () => {
      await claimConcurrently([server, sibling]);
    },
  );
});
