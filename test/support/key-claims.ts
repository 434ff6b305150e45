import { publicKyberPreKey } from '@parley/crypto';
import type { DeviceBundle } from '@parley/protocol';
import { api, newUser, TestDevice } from './fixtures';
import type { TestServer } from './server';

/**
 * The prekey directory's central guarantee (API.md section 2), checked
 * from outside: a device with `oneTimeKeys` keys of each kind gets
 * `fetches` concurrent bundle fetches from `requesters` accounts, spread
 * round-robin over `servers`; every one-time key comes out exactly once,
 * the rest get preKey null and the last-resort Kyber key, and none is left.
 */
export async function expectEachKeyClaimedOnce(
  servers: TestServer[],
  { oneTimeKeys, fetches, requesters: requesterCount }: { oneTimeKeys: number; fetches: number; requesters: number },
) {
  const bob = await newUser(servers[0], { oneTimeKeys });
  const requesters: TestDevice[] = [];
  for (let i = 0; i < requesterCount; i++) requesters.push(await newUser(servers[i % servers.length], { oneTimeKeys: 0 }));

  const responses = await Promise.all(
    Array.from({ length: fetches }, (_, i) =>
      api(servers[i % servers.length], 'GET', `/v1/keys/${bob.username}`, undefined, { token: requesters[i % requesterCount].token }),
    ),
  );
  expect(responses.map((r) => r.status)).toEqual(Array(fetches).fill(200));
  const bundles: DeviceBundle[] = responses.map((r) => r.body.devices[0]);

  const ecIds = bundles.map((b) => b.preKey?.keyId).filter((id): id is number => id !== undefined);
  expect(ecIds).toHaveLength(oneTimeKeys);
  expect(new Set(ecIds).size).toBe(oneTimeKeys);
  expect([...ecIds].sort((a, b) => a - b)).toEqual(bob.keys.preKeys.map((k) => k.id()));
  expect(bundles.filter((b) => b.preKey === null)).toHaveLength(fetches - oneTimeKeys);

  const lastResort = publicKyberPreKey(bob.keys.pqLastResortPreKey);
  const kyberIds = bundles.map((b) => b.pqPreKey.keyId).filter((id) => id !== lastResort.keyId);
  expect(kyberIds).toHaveLength(oneTimeKeys);
  expect(new Set(kyberIds).size).toBe(oneTimeKeys);
  expect([...kyberIds].sort((a, b) => a - b)).toEqual(bob.keys.pqPreKeys.map((k) => k.id()));
  for (const bundle of bundles.filter((b) => b.pqPreKey.keyId === lastResort.keyId)) expect(bundle.pqPreKey).toEqual(lastResort);

  for (const server of servers) {
    const count = await api(server, 'GET', '/v1/keys/count', undefined, { token: bob.token });
    expect(count.body).toEqual({ preKeys: 0, pqPreKeys: 0 });
  }
}
