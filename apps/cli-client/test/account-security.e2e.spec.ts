import { auditEntryHash, AUDIT_GENESIS_HASH } from '@parley/crypto';
import type { AuditEntry } from '@parley/protocol';
import type { TestServer } from '../../../test/support/server';
import { CliDevice, cliEnv, tempHome, useServerBehindProxy } from './cli-runner';
import { HttpRewriteProxy, ProxiedRequest } from '../../../test/support/http-proxy';

/**
 * The account's own view of its security: `parley audit` shows and checks
 * the hash-chained log (here also through a proxy that rewrites it), and
 * `parley reset` starts over after every device is lost, which contacts
 * see as an identity change. The steps build on each other and run in order.
 */
describe('parley audit and parley reset', () => {
  let server: TestServer;
  let proxy: HttpRewriteProxy;
  let home: ReturnType<typeof tempHome>;
  let alice: CliDevice, bob1: CliDevice, bob2: CliDevice, bob1ViaProxy: CliDevice;
  const isAuditFetch = (r: ProxiedRequest) => r.method === 'GET' && r.path.startsWith('/v1/account/audit');

  const world = useServerBehindProxy();
  beforeAll(async () => {
    ({ server, proxy, home } = world);
    const env = cliEnv(home.home, server.url);
    [alice, bob1, bob2] = ['alice', 'bob1', 'bob2'].map((p) => new CliDevice(p, env));
    bob1ViaProxy = new CliDevice('bob1', cliEnv(home.home, proxy.url));
    await alice.json('register', 'alice');
    await bob1.json('register', 'bob');
  });

  it('shows device additions and removals in words, and verifies the chain', async () => {
    await bob2.link('bob', bob1);
    await bob1.json('devices', 'remove', '2');
    const shown = await bob1.run('audit');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^ +\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}device 1 added \(list v1\)/m);
    expect(shown.stdout).toMatch(/device 2 added \(list v2\), named /);
    expect(shown.stdout).toMatch(/device 2 removed by device 1 \(list v3\)/);
    expect(shown.stdout).toMatch(/password login from /);
    expect(shown.stdout.trim().split('\n').at(-1)).toMatch(/^chain verified: \d+ entries, newest \d+$/);

    const lines = (await bob1.run('--json', 'audit')).stdout.trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as AuditEntry);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_e, i) => i + 1));
    expect(entries.filter((e) => e.kind === 'device_removed')).toEqual([
      expect.objectContaining({ detail: { deviceId: 2, listVersion: 3, by: 1 } }),
    ]);
  });

  it('reports an edited entry with the seq where the chain breaks (exit 7)', async () => {
    proxy.forgery.rewrite = (r, body) =>
      isAuditFetch(r) ? { ...body, entries: body.entries.map((e: AuditEntry) => (e.seq === 2 ? { ...e, kind: 'login' } : e)) } : body;
    const result = await bob1ViaProxy.run('audit');
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/the audit log does not verify: it breaks at entry 2 /);
  });

  it('reports a history rewritten into a valid chain that no longer holds the entry verified before', async () => {
    const verifiedHead = (await bob1.run('--json', 'audit')).stdout.trim().split('\n').length;
    // The server drops the removal and re-hashes everything: a chain that verifies on its own.
    proxy.forgery.rewrite = (r, body) => {
      if (!isAuditFetch(r)) return body;
      let previous = AUDIT_GENESIS_HASH;
      const kept = (body.entries as AuditEntry[]).filter((e) => e.kind !== 'device_removed');
      const entries = kept.map((e, i) => {
        const unhashed = { seq: i + 1, at: e.at, kind: e.kind, detail: e.detail };
        previous = auditEntryHash(previous, unhashed);
        return { ...unhashed, hash: previous };
      });
      return { ...body, entries };
    };
    const result = await bob1ViaProxy.run('audit');
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(`breaks at entry ${verifiedHead} (entry ${verifiedHead}, verified before, is no longer served)`);
    expect(result.stdout).not.toMatch(/removed by device/);
  });

  it('resets bob after he lost every device; alice is blocked until she trusts the new identity', async () => {
    expect((await alice.json('send', 'bob', 'before the reset')).devices).toEqual([1]);
    const bobNew = new CliDevice('bob-new', cliEnv(home.home, server.url));
    const unconfirmed = await bobNew.run('reset', 'bob');
    expect([unconfirmed.code, unconfirmed.stderr.trim()]).toEqual([
      2,
      'parley: a reset removes every device of the account: pass --yes to confirm it',
    ]);

    expect(await bobNew.json('reset', 'bob', '--yes')).toMatchObject({ username: 'bob', deviceId: 3, address: 'bob@localhost' });
    expect((await bob1.run('inbox')).code).toBe(8);

    const blocked = await alice.run('send', 'bob', 'must wait');
    expect(blocked.code).toBe(7);
    expect(blocked.stderr).toMatch(/bob@localhost's account identity changed; run `parley trust/);
    expect(await alice.json('trust', 'bob')).toMatchObject({ address: 'bob@localhost', accepted: true });
    expect((await alice.json('send', 'bob', 'after the reset')).devices).toEqual([3]);
    expect((await bobNew.inbox()).map((m) => m.text)).toEqual(['after the reset']);

    const log = await bobNew.run('audit');
    expect(log.stdout).toMatch(/account reset: a new account identity, device 3 its only device \(list v4, 1 device removed\)/);
    expect(log.stdout).toMatch(/chain verified/);
  });
});
