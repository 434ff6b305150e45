import { ConfigError, loadConfig } from './config';

const SECRET = 'x'.repeat(32);

/** A peer key as PARLEY_PEERS gives it: base64 of 32 bytes, ending in "=" padding. */
const KEY = Buffer.alloc(32, 9).toString('base64');

describe('loadConfig', () => {
  it('yields the documented defaults for an empty environment (with a JWT secret)', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: null,
      redis: null,
      domain: 'localhost',
      peers: [],
      jwtSecret: SECRET,
      maxDevicesPerAccount: 6,
      preKeyLowThreshold: 10,
      maxQueuedPerDevice: 10000,
      maxQueuedPerSender: 1000,
      testCrashAt: null,
    });
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.rateLimits.keyFetch).toEqual({ capacity: 300, refillPerSecond: 5 });
  });

  it('reads every variable it knows', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      PORT: '8080',
      DATABASE_URL: 'postgres://db/parley',
      REDIS_URL: 'redis://cache:6379',
      PARLEY_DOMAIN: 'a.example',
      // d.example's key with its "=" padding, e.example's without: both kept in the padded spelling.
      PARLEY_PEERS: `b.example=https://b.example/, c.example=http://10.0.0.3:3000, d.example=https://d.example#${KEY}, e.example=https://e.example#${KEY.replace(/=+$/, '')}`,
      FEDERATION_ALLOW_HTTP: 'true',
      MAX_DEVICES_PER_ACCOUNT: '3',
      MAX_QUEUED_PER_SENDER: '50',
      RATE_LIMITS: 'keyFetch=5/60,loginFailuresPerIp=7/7',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://db/parley',
      redis: { url: 'redis://cache:6379' },
      domain: 'a.example',
      maxDevicesPerAccount: 3,
      maxQueuedPerSender: 50,
      peers: [
        { domain: 'b.example', baseUrl: 'https://b.example' },
        { domain: 'c.example', baseUrl: 'http://10.0.0.3:3000' },
        { domain: 'd.example', baseUrl: 'https://d.example', publicKey: KEY },
        { domain: 'e.example', baseUrl: 'https://e.example', publicKey: KEY },
      ],
    });
    expect(config.rateLimits.keyFetch).toEqual({ capacity: 5, refillPerSecond: 5 / 60 });
    expect(config.rateLimits.loginFailuresPerIp).toEqual({ capacity: 7, refillPerSecond: 1 });
    expect(config.rateLimits.messageSend).toEqual({ capacity: 2000, refillPerSecond: 1000 });
  });

  it('fails naming every bad variable at once', () => {
    const env = {
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db',
      REDIS_URL: 'http://cache',
      PARLEY_DOMAIN: 'Upper.Example',
      JWT_SECRET: 'short',
      MAX_DEVICES_PER_ACCOUNT: '0',
      LOG_LEVEL: 'loud',
      RATE_LIMITS: 'keyFetch=lots',
      PARLEY_PEERS: 'b.example',
      TRUST_PROXY: '1',
      LOGIN_BACKOFF: 'perAddress=5',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of Object.keys(env)) expect((error as Error).message).toContain(name);
  });

  it('points at a Redis Cluster through the nodes REDIS_CLUSTER_NODES lists, instead of REDIS_URL', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, REDIS_CLUSTER_NODES: 'redis-a:7000, 10.0.0.2:7001,[fd00::3]:7002' }).redis).toEqual({
      clusterNodes: [
        { host: 'redis-a', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'fd00::3', port: 7002 },
      ],
    });
    // A brace-free prefix is kept as it is.
    expect(loadConfig({ JWT_SECRET: SECRET, REDIS_CLUSTER_NODES: 'redis-a:7000', REDIS_PREFIX: 'chat:' }).redisPrefix).toBe('chat:');
  });

  it('trusts X-Forwarded-For from loopback only, unless told which proxies to trust', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: '172.30.80.10' }).trustProxy).toEqual(['172.30.80.10']);
    expect(loadConfig({ JWT_SECRET: SECRET, TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
  });

  it('backs off logins after the documented failures, or as LOGIN_BACKOFF says', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).loginBackoff).toEqual({
      perAddress: { free: 5, firstDelayMs: 1000, maxDelayMs: 900_000 },
      perAccount: { free: 50, firstDelayMs: 1000, maxDelayMs: 900_000 },
    });
    expect(loadConfig({ JWT_SECRET: SECRET, LOGIN_BACKOFF: 'perAccount=8/60/900' }).loginBackoff).toEqual({
      perAddress: { free: 5, firstDelayMs: 1000, maxDelayMs: 900_000 },
      perAccount: { free: 8, firstDelayMs: 60_000, maxDelayMs: 900_000 },
    });
  });

  it('takes a test crash point for a *.test domain only; empty means none', () => {
    const crashing = { JWT_SECRET: SECRET, PARLEY_DOMAIN: 'b.test:8443', PARLEY_TEST_CRASH_AT: 'relayed-fanout-stored' };
    expect(loadConfig(crashing).testCrashAt).toBe('relayed-fanout-stored');
    expect(loadConfig({ ...crashing, PARLEY_TEST_CRASH_AT: '' }).testCrashAt).toBeNull();
  });

  it.each([
    ['a hop count, which trusts whoever connects', { TRUST_PROXY: '1' }, 'TRUST_PROXY'],
    ['`true`, which trusts everyone', { TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    ['a host name', { TRUST_PROXY: 'lb.example' }, 'TRUST_PROXY'],
    ['a prefix too long for its address', { TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    ['an unknown login backoff', { LOGIN_BACKOFF: 'perDevice=5/1/900' }, 'LOGIN_BACKOFF'],
    ['a login backoff whose first delay exceeds its longest', { LOGIN_BACKOFF: 'perAddress=5/60/30' }, 'LOGIN_BACKOFF'],
    ['a login backoff without delays', { LOGIN_BACKOFF: 'perAddress=5' }, 'LOGIN_BACKOFF'],
    ['the per-account login bucket, now a backoff', { RATE_LIMITS: 'loginFailuresPerAccount=3/600' }, 'RATE_LIMITS'],
    ['an unknown rate limit', { RATE_LIMITS: 'nope=1/1' }, 'RATE_LIMITS'],
    ['a backup limit whose base64 would not fit a request body', { BACKUP_MAX_BYTES: '2000000' }, 'BACKUP_MAX_BYTES'],
    ['a rate limit refilled over 0 seconds', { RATE_LIMITS: 'keyFetch=5/0' }, 'RATE_LIMITS'],
    ['a peer without a URL', { PARLEY_PEERS: 'b.example=ftp://b' }, 'PARLEY_PEERS'],
    ['a plain-http peer without FEDERATION_ALLOW_HTTP', { PARLEY_PEERS: 'b.example=http://b.example' }, 'FEDERATION_ALLOW_HTTP=true'],
    [
      'a plain-http peer with FEDERATION_ALLOW_HTTP=false',
      { PARLEY_PEERS: 'b.example=http://b.example', FEDERATION_ALLOW_HTTP: 'false' },
      'PARLEY_PEERS',
    ],
    ['FEDERATION_ALLOW_HTTP other than true or false', { FEDERATION_ALLOW_HTTP: 'yes' }, 'FEDERATION_ALLOW_HTTP'],
    [
      'both one Redis and a Redis Cluster',
      { REDIS_URL: 'redis://cache', REDIS_CLUSTER_NODES: 'redis-a:7000' },
      'REDIS_URL and REDIS_CLUSTER_NODES',
    ],
    ['a cluster node without a port', { REDIS_CLUSTER_NODES: 'redis-a:7000,redis-b' }, 'REDIS_CLUSTER_NODES'],
    ['a cluster node on port 0', { REDIS_CLUSTER_NODES: 'redis-a:0' }, 'REDIS_CLUSTER_NODES'],
    ['a cluster without nodes', { REDIS_CLUSTER_NODES: ' , ' }, 'REDIS_CLUSTER_NODES'],
    ['a prefix with a hash tag on a cluster', { REDIS_CLUSTER_NODES: 'redis-a:7000', REDIS_PREFIX: '{parley}:' }, 'REDIS_PREFIX'],
    [
      'a test crash point on a real domain',
      { PARLEY_DOMAIN: 'chat.example.org', PARLEY_TEST_CRASH_AT: 'relayed-fanout-stored' },
      'PARLEY_TEST_CRASH_AT',
    ],
    ['a test crash point on the default domain', { PARLEY_TEST_CRASH_AT: 'relayed-fanout-stored' }, 'PARLEY_TEST_CRASH_AT'],
    ['an unknown crash point', { PARLEY_DOMAIN: 'b.test', PARLEY_TEST_CRASH_AT: 'somewhere' }, 'PARLEY_TEST_CRASH_AT'],
  ])('rejects %s', (_case, env, name) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env })).toThrow(name);
  });
});
