import { randomBytes, randomUUID } from 'node:crypto';
import { SessionsRepository } from '../../apps/server/src/auth/sessions.repository';
import { useMediumContext } from './medium-context';

describe('SessionsRepository (medium)', () => {
  const ctx = useMediumContext();
  let sessions: SessionsRepository;
  beforeAll(() => {
    sessions = new SessionsRepository(ctx.db);
  });

  const hour = () => new Date(Date.now() + 3_600_000);
  async function startSession(accountId: string, deviceId: number | null) {
    const session = { id: randomUUID(), accountId, deviceId, refreshHash: randomBytes(32), expiresAt: hour() };
    await sessions.insertSession(session);
    return session;
  }
  const aliceAndBob = () => ctx.aliceAndBob({ oneTimeKeys: 0 });

  it('finds a session by id with its account’s username', async () => {
    const { alice } = await aliceAndBob();
    const started = await startSession(alice.accountId, alice.deviceId);
    expect(await sessions.findSession(started.id)).toEqual({
      id: started.id,
      account_id: alice.accountId,
      username: alice.username,
      device_id: alice.deviceId,
      refresh_hash: started.refreshHash,
      spent_refresh_hash: null,
      generation: 0,
      expires_at: started.expiresAt,
    });
    expect(await sessions.findSession(randomUUID())).toBeNull();
  });

  it('rotates a refresh secret once per generation and remembers the spent one', async () => {
    const { alice } = await aliceAndBob();
    const started = await startSession(alice.accountId, alice.deviceId);
    const next = randomBytes(32);
    expect(await sessions.rotateRefreshSecret(started.id, 0, next, hour())).toBe(true);
    expect(await sessions.rotateRefreshSecret(started.id, 0, randomBytes(32), hour())).toBe(false);
    expect(await sessions.findSession(started.id)).toMatchObject({
      generation: 1,
      refresh_hash: next,
      spent_refresh_hash: started.refreshHash,
    });
    expect(await sessions.rotateRefreshSecret(randomUUID(), 0, randomBytes(32), hour())).toBe(false);
  });

  it('lets one of concurrent rotations of the same generation win', async () => {
    const { alice } = await aliceAndBob();
    const started = await startSession(alice.accountId, alice.deviceId);
    const wins = await Promise.all(Array.from({ length: 5 }, () => sessions.rotateRefreshSecret(started.id, 0, randomBytes(32), hour())));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await sessions.findSession(started.id)).toMatchObject({ generation: 1 });
  });

  it('deletes one device’s sessions, not the account session nor another account’s device of the same id', async () => {
    const { alice, bob } = await aliceAndBob();
    const [a1, a2, accountSession, bobs] = [
      await startSession(alice.accountId, alice.deviceId),
      await startSession(alice.accountId, alice.deviceId),
      await startSession(alice.accountId, null),
      await startSession(bob.accountId, bob.deviceId),
    ];
    expect((await sessions.deleteDeviceSessions(alice.accountId, alice.deviceId)).sort()).toEqual([a1.id, a2.id].sort());
    expect(await sessions.findSession(a1.id)).toBeNull();
    expect(await sessions.findSession(accountSession.id)).not.toBeNull();
    expect(await sessions.findSession(bobs.id)).not.toBeNull();
    expect(await sessions.deleteDeviceSessions(alice.accountId, null)).toEqual([accountSession.id]);
  });

  it('deletes a session by id', async () => {
    const { alice } = await aliceAndBob();
    const started = await startSession(alice.accountId, alice.deviceId);
    await sessions.deleteSession(started.id);
    expect(await sessions.findSession(started.id)).toBeNull();
  });
});
