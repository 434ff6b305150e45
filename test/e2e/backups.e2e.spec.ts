import { randomBytes } from 'node:crypto';
import { BACKUP_ID_PATTERN, ErrorCode } from '@parley/protocol';
import { api, newAccount, newUser, TestAccount } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

/**
 * Encrypted backups (API.md section 10) against a running server: opaque
 * ciphertexts by id, replaced only from the version the writer saw, within
 * a size bound and a rate limit; every refusal is a 4xx with its code and
 * stores nothing.
 */
describe('backups', () => {
  const MAX_BYTES = 4096;
  const WRITES = 8;
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      BACKUP_MAX_BYTES: String(MAX_BYTES),
      RATE_LIMITS: `backupWrite=${WRITES}/3600,backupRead=${WRITES}/3600`,
    });
  });
  afterAll(() => server?.stop());

  const newId = () => randomBytes(16).toString('hex');
  const sealed = (bytes = 100) => randomBytes(bytes).toString('base64');
  const put = (account: TestAccount, id: string, body: unknown) =>
    api(server, 'PUT', `/v1/backups/${id}`, body, { token: account.tokens.accessToken });
  const get = (account: TestAccount, id: string) =>
    api(server, 'GET', `/v1/backups/${id}`, undefined, { token: account.tokens.accessToken });

  it('stores a backup, replaces it from its current version, serves it by id to any token, and deletes it', async () => {
    const alice = await newAccount(server);
    const id = newId();
    const first = sealed();
    expect(await put(alice, id, { ciphertext: first, expectedVersion: 0 })).toMatchObject({ status: 200, body: { version: 1 } });
    expect(await get(alice, id)).toMatchObject({ status: 200, body: { ciphertext: first, version: 1 } });

    const second = sealed(MAX_BYTES);
    expect(await put(alice, id, { ciphertext: second, expectedVersion: 1 })).toMatchObject({ status: 200, body: { version: 2 } });
    // A restoring client has only a password login's account token; a device token of another account works too: the id is the capability.
    const other = await newUser(server);
    const fetched = await api(server, 'GET', `/v1/backups/${id}`, undefined, { token: other.token });
    expect(fetched).toMatchObject({ status: 200, body: { ciphertext: second, version: 2 } });

    expect((await api(server, 'DELETE', `/v1/backups/${id}`, undefined, { token: alice.tokens.accessToken })).status).toBe(204);
    expect(await get(alice, id)).toMatchObject({ status: 404, body: { error: ErrorCode.NotFound } });
    expect((await api(server, 'DELETE', `/v1/backups/${id}`, undefined, { token: alice.tokens.accessToken })).status).toBe(404);
  });

  it('lets exactly one of concurrent writers from the same version win; the others get 409 with the current version', async () => {
    const alice = await newAccount(server);
    const id = newId();
    await put(alice, id, { ciphertext: sealed(), expectedVersion: 0 });
    const bodies = [1, 2, 3, 4, 5].map(() => sealed());
    const results = await Promise.all(bodies.map((ciphertext) => put(alice, id, { ciphertext, expectedVersion: 1 })));

    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(won[0].body).toEqual({ version: 2 });
    for (const lost of results.filter((r) => r.status !== 200)) {
      expect(lost).toMatchObject({ status: 409, body: { error: ErrorCode.BackupVersionConflict, currentVersion: 2 } });
    }
    const stored = (await get(alice, id)).body;
    expect(stored.version).toBe(2);
    expect(bodies[results.indexOf(won[0])]).toBe(stored.ciphertext);
  });

  it.each([
    ['creating one that exists', 0, 1],
    ['replacing an older version', 2, 1],
  ])('refuses %s with 409 and keeps the stored one', async (_name, expectedVersion, currentVersion) => {
    const alice = await newAccount(server);
    const id = newId();
    const kept = sealed();
    await put(alice, id, { ciphertext: kept, expectedVersion: 0 });
    const res = await put(alice, id, { ciphertext: sealed(), expectedVersion });
    expect(res).toMatchObject({ status: 409, body: { error: ErrorCode.BackupVersionConflict, currentVersion } });
    expect((await get(alice, id)).body).toEqual({ ciphertext: kept, version: 1 });
  });

  it('refuses to replace a backup that does not exist (409, currentVersion 0) and creates nothing', async () => {
    const alice = await newAccount(server);
    const id = newId();
    const res = await put(alice, id, { ciphertext: sealed(), expectedVersion: 3 });
    expect(res).toMatchObject({ status: 409, body: { error: ErrorCode.BackupVersionConflict, currentVersion: 0 } });
    expect((await get(alice, id)).status).toBe(404);
  });

  describe('refuses bad input with a code and stores nothing', () => {
    it(`refuses a backup over BACKUP_MAX_BYTES (${MAX_BYTES}) with 413 backup_too_large`, async () => {
      const alice = await newAccount(server);
      const id = newId();
      const res = await put(alice, id, { ciphertext: sealed(MAX_BYTES + 1), expectedVersion: 0 });
      expect(res).toMatchObject({ status: 413, body: { error: ErrorCode.BackupTooLarge, maxBytes: MAX_BYTES } });
      expect((await get(alice, id)).status).toBe(404);
    });

    it('refuses a body over the request limit with 413 payload_too_large', async () => {
      const alice = await newAccount(server);
      const id = newId();
      const res = await put(alice, id, { ciphertext: sealed(2 * 1024 * 1024), expectedVersion: 0 });
      expect(res).toMatchObject({ status: 413, body: { error: ErrorCode.PayloadTooLarge } });
      expect((await get(alice, id)).status).toBe(404);
    });

    it.each([
      ['upper-case hex', randomBytes(16).toString('hex').toUpperCase()],
      ['too short', randomBytes(15).toString('hex')],
      ['too long', randomBytes(32).toString('hex')],
      ['not hex', 'z'.repeat(32)],
    ])('refuses a backup id that is %s with 400 on every route', async (_name, id) => {
      const alice = await newAccount(server);
      const token = alice.tokens.accessToken;
      for (const [method, body] of [
        ['PUT', { ciphertext: sealed(), expectedVersion: 0 }],
        ['GET', undefined],
        ['DELETE', undefined],
      ] as const) {
        expect(await api(server, method, `/v1/backups/${id}`, body, { token })).toMatchObject({
          status: 400,
          body: { error: ErrorCode.ValidationFailed },
        });
      }
      expect(id).not.toMatch(BACKUP_ID_PATTERN);
    });

    it.each([
      ['ciphertext that is not base64', { ciphertext: 'not base64!', expectedVersion: 0 }, ErrorCode.ValidationFailed],
      ['unpadded base64', { ciphertext: 'AAAAAA', expectedVersion: 0 }, ErrorCode.ValidationFailed],
      ['an empty ciphertext', { ciphertext: '', expectedVersion: 0 }, ErrorCode.ValidationFailed],
      ['no expectedVersion', { ciphertext: 'AAAA' }, ErrorCode.ValidationFailed],
      ['a negative expectedVersion', { ciphertext: 'AAAA', expectedVersion: -1 }, ErrorCode.ValidationFailed],
      ['a fractional expectedVersion', { ciphertext: 'AAAA', expectedVersion: 0.5 }, ErrorCode.ValidationFailed],
      ['an unknown field', { ciphertext: 'AAAA', expectedVersion: 0, owner: 'alice' }, ErrorCode.UnknownField],
    ])('refuses %s with 400', async (_name, body, error) => {
      const alice = await newAccount(server);
      const id = newId();
      expect(await put(alice, id, body)).toMatchObject({ status: 400, body: { error } });
      expect((await get(alice, id)).status).toBe(404);
    });

    it('refuses requests without a token with 401', async () => {
      const id = newId();
      expect((await api(server, 'PUT', `/v1/backups/${id}`, { ciphertext: sealed(), expectedVersion: 0 })).status).toBe(401);
      expect((await api(server, 'GET', `/v1/backups/${id}`)).status).toBe(401);
    });
  });

  it(`rate-limits writes per account (backupWrite=${WRITES}/3600): 429 with Retry-After, and the refused write stores nothing`, async () => {
    const alice = await newAccount(server);
    const id = newId();
    for (let version = 0; version < WRITES; version++) {
      expect((await put(alice, id, { ciphertext: sealed(), expectedVersion: version })).status).toBe(200);
    }
    const refused = await put(alice, id, { ciphertext: sealed(), expectedVersion: WRITES });
    expect(refused).toMatchObject({ status: 429, body: { error: ErrorCode.RateLimited } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await get(alice, id)).body.version).toBe(WRITES);
    // Another account is not held back by alice's bucket.
    const bob = await newAccount(server);
    expect((await put(bob, newId(), { ciphertext: sealed(), expectedVersion: 0 })).status).toBe(200);
  });

  it(`rate-limits reads per account (backupRead=${WRITES}/3600)`, async () => {
    const [alice, mallory] = await Promise.all([newAccount(server), newAccount(server)]);
    const id = newId();
    await put(alice, id, { ciphertext: sealed(), expectedVersion: 0 });
    // Guessing ids costs the same tokens as reading one: 128-bit ids are not worth guessing, and this bounds the tries anyway.
    for (let i = 0; i < WRITES; i++) expect((await get(mallory, newId())).status).toBe(404);
    expect(await get(mallory, id)).toMatchObject({ status: 429, body: { error: ErrorCode.RateLimited } });
  });
});
