import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { CrashPoint } from '../common/crash-point';
import { EnvDto } from './env.dto';
import { LOGIN_BACKOFFS, LoginBackoffName, LoginBackoffRules, RateLimitName, RATE_LIMITS, RateLimitRule } from '../limits/rate-limits';

/** A federation peer: where it listens, and its Ed25519 public key when the operator pinned it in config. */
export interface PeerConfig {
  domain: string;
  baseUrl: string;
  publicKey?: string;
}

/**
 * Where the processes of a deployment keep their shared state: one Redis,
 * or a Redis Cluster reached through any of the nodes listed (the client
 * learns the rest from them).
 */
export type RedisTarget = { url: string } | { clusterNodes: { host: string; port: number }[] };

/** The server's typed configuration; built once from the environment by loadConfig. */
export interface ParleyConfig {
  port: number;
  host: string;
  /** Express `trust proxy`: the proxies whose X-Forwarded-For names the client (login throttles, per-IP rate limits). */
  trustProxy: string[];
  /** null: embedded PostgreSQL (PGlite) under dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  /** null: single-process mode, no Redis. */
  redis: RedisTarget | null;
  redisPrefix: string;
  domain: string;
  peers: PeerConfig[];
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  maxDevicesPerAccount: number;
  preKeyLowThreshold: number;
  messageTtlSeconds: number;
  maxQueuedPerDevice: number;
  /** Envelopes one sender may have queued for one device; beyond it that sender gets 429 queue_share_full. */
  maxQueuedPerSender: number;
  /** One-time keys of each kind a device may have stored at once; an upload beyond it is 413 too_many_keys. */
  maxStoredOneTimeKeys: number;
  federationRetryWindowSeconds: number;
  /** First retry delay of the federation outbox; doubles per attempt (with jitter) up to federationRetryMaxMs. */
  federationRetryBaseMs: number;
  federationRetryMaxMs: number;
  /** How often each process looks for due outbox rows. */
  federationOutboxPollMs: number;
  /** Timeout of one server-to-server request. */
  federationRequestTimeoutMs: number;
  /** How often each process submits the key log's newest checkpoint to peers for cosigning (when it has grown). */
  witnessSubmitIntervalMs: number;
  serverKey: string | null;
  /** Attachment files (docs/API.md section 7); shared by every process of a deployment. */
  attachmentsDir: string;
  attachmentMaxBytes: number;
  attachmentTtlSeconds: number;
  /** Bytes of live attachments one account may keep. */
  attachmentQuotaBytes: number;
  /** Push wake-ups (docs/API.md section 9). */
  push: PushConfig;
  /** Largest encrypted backup (docs/API.md section 10). */
  backupMaxBytes: number;
  logLevel: string;
  rateLimits: Record<RateLimitName, RateLimitRule>;
  loginBackoff: LoginBackoffRules;
  /** Test-only: where this process SIGKILLs itself (common/crash-point.ts); null everywhere but in crash tests. */
  testCrashAt: CrashPoint | null;
}

export interface PushConfig {
  /** At most one wake-up per device per interval while the device has fetched nothing. */
  wakeUpIntervalMs: number;
  /** Whether endpoints may resolve to loopback, private, link-local or unique-local addresses (otherwise refused: SSRF). */
  allowPrivateEndpoints: boolean;
  /** The VAPID `sub` claim. */
  vapidSubject: string;
}

export class ConfigError extends Error {}

/**
 * PARLEY_PEERS. A plain http:// base URL is refused unless allowHttp
 * (FEDERATION_ALLOW_HTTP=true): the first fetch of a peer's key trusts the
 * transport (docs/FEDERATION.md, "Pinning a peer's key"), and over plain
 * http anyone on the path could hand over a key of their own.
 */
function parsePeers(value: string | undefined, allowHttp: boolean): PeerConfig[] {
  if (!value) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      // Split at the first "=" only: a base64 key ends in "=" padding.
      const split = entry.indexOf('=');
      const [domain, target] = split < 0 ? [entry, ''] : [entry.slice(0, split), entry.slice(split + 1)];
      const [baseUrl, publicKey] = target.split('#');
      if (!domain || !baseUrl || !/^https?:\/\//.test(baseUrl)) {
        throw new ConfigError(`PARLEY_PEERS: "${entry}" must be domain=http(s)://base-url[#base64-ed25519-public-key]`);
      }
      if (baseUrl.startsWith('http://') && !allowHttp) {
        throw new ConfigError(
          `PARLEY_PEERS: "${domain}" has a plain http:// base URL; peers must use https:// unless FEDERATION_ALLOW_HTTP=true (a private network, tests)`,
        );
      }
      if (publicKey !== undefined && Buffer.from(publicKey, 'base64').length !== 32) {
        throw new ConfigError(`PARLEY_PEERS: the key of "${domain}" must be the base64 of a 32-byte Ed25519 public key`);
      }
      // The key in its canonical (padded) spelling, the one rotation statements name.
      const key = publicKey === undefined ? undefined : Buffer.from(publicKey, 'base64').toString('base64');
      return { domain: domain.toLowerCase(), baseUrl: baseUrl.replace(/\/$/, ''), ...(key !== undefined && { publicKey: key }) };
    });
}

function parseRateLimits(value: string | undefined): Record<RateLimitName, RateLimitRule> {
  const limits = { ...RATE_LIMITS };
  for (const entry of value ? value.split(',') : []) {
    const [name, rule] = entry.split('=');
    if (!(name in limits)) throw new ConfigError(`RATE_LIMITS: unknown limit "${name}" (known: ${Object.keys(limits).join(', ')})`);
    const [capacity, seconds] = rule.split('/').map(Number);
    if (!(seconds > 0)) throw new ConfigError(`RATE_LIMITS: "${entry}" must refill over at least 1 second`);
    limits[name as RateLimitName] = { capacity, refillPerSecond: capacity / seconds };
  }
  return limits;
}

function parseLoginBackoff(value: string | undefined): LoginBackoffRules {
  const rules = { ...LOGIN_BACKOFFS };
  for (const entry of value ? value.split(',') : []) {
    const [name, rule] = entry.split('=');
    if (!(name in rules)) throw new ConfigError(`LOGIN_BACKOFF: unknown backoff "${name}" (known: ${Object.keys(rules).join(', ')})`);
    const [free, first, max] = rule.split('/').map(Number);
    if (!(first >= 1 && max >= first)) {
      throw new ConfigError(`LOGIN_BACKOFF: in "${entry}" the first wait must be at least 1 second, and the longest no shorter`);
    }
    rules[name as LoginBackoffName] = { free, firstDelayMs: first * 1000, maxDelayMs: max * 1000 };
  }
  return rules;
}

/** `host:port`, the host a name, an IPv4 address or a bracketed IPv6 address. */
const CLUSTER_NODE = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/**
 * REDIS_URL or REDIS_CLUSTER_NODES, never both: a deployment keeps its
 * shared state in one place. With a cluster, REDIS_PREFIX may not hold a
 * brace, because Parley hash-tags its own keys (`{...}`) so that every
 * multi-key script stays in one slot, and Redis takes the first `{...}`
 * of a key as its tag.
 */
function parseRedisTarget(env: EnvDto): RedisTarget | null {
  if (env.REDIS_URL !== undefined && env.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigError(
      'REDIS_URL and REDIS_CLUSTER_NODES are both set: set REDIS_URL for one Redis or REDIS_CLUSTER_NODES for a Redis Cluster, not both',
    );
  }
  if (env.REDIS_CLUSTER_NODES === undefined) return env.REDIS_URL ? { url: env.REDIS_URL } : null;
  const entries = env.REDIS_CLUSTER_NODES.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (!entries.length) throw new ConfigError('REDIS_CLUSTER_NODES: name at least one node, host:port');
  const clusterNodes = entries.map((entry) => {
    const match = CLUSTER_NODE.exec(entry);
    const port = Number(match?.[3]);
    if (!match || !(port >= 1 && port <= 65535)) throw new ConfigError(`REDIS_CLUSTER_NODES: "${entry}" must be host:port`);
    return { host: match[1] ?? match[2], port };
  });
  if (/[{}]/.test(env.REDIS_PREFIX ?? '')) {
    throw new ConfigError('REDIS_PREFIX may not contain { or } with REDIS_CLUSTER_NODES: Parley places the hash tags of its keys itself');
  }
  return { clusterNodes };
}

const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY as the list Express's `trust proxy` takes, addresses only: a
 * hop count or `true` believes X-Forwarded-For from whoever connects, and
 * so lets any client choose the address it is throttled under.
 */
function parseTrustProxy(value = 'loopback'): string[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const cidr =
      family !== 0 && !rest.length && (prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)));
    if (!cidr && !PROXY_RANGES.includes(entry)) {
      throw new ConfigError(
        `TRUST_PROXY: "${entry}" is not ${PROXY_RANGES.join(', ')}, an IP address or a CIDR block (a hop count or true would trust any client)`,
      );
    }
  }
  return entries;
}

/** JWT_SECRET when given; otherwise one generated on first start and kept in the data dir. */
function jwtSecretFor(env: EnvDto, dataDir: string): string {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  return secret;
}

/**
 * Validates the environment and yields the one config object. Throws a
 * ConfigError naming every bad variable, so an operator fixes all at once.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): ParleyConfig {
  const env = plainToInstance(EnvDto, environment, { excludeExtraneousValues: false });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
  // The list-valued variables are parsed here, and their errors reported with the rest.
  const parsed = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      lines.push(`  ${error.message}`);
      return undefined;
    }
  };
  const peers = parsed(() => parsePeers(env.PARLEY_PEERS, env.FEDERATION_ALLOW_HTTP === 'true'));
  const rateLimits = errors.some((e) => e.property === 'RATE_LIMITS') ? undefined : parsed(() => parseRateLimits(env.RATE_LIMITS));
  const loginBackoff = errors.some((e) => e.property === 'LOGIN_BACKOFF') ? undefined : parsed(() => parseLoginBackoff(env.LOGIN_BACKOFF));
  const trustProxy = parsed(() => parseTrustProxy(env.TRUST_PROXY));
  const redis = parsed(() => parseRedisTarget(env));
  // A crash hook must never reach a real deployment: `.test` is reserved for testing (RFC 6761).
  if (env.PARLEY_TEST_CRASH_AT && !(env.PARLEY_DOMAIN ?? 'localhost').split(':')[0].endsWith('.test')) {
    lines.push('  PARLEY_TEST_CRASH_AT: a test-only crash point, accepted only when PARLEY_DOMAIN is a *.test domain');
  }
  if (lines.length) throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  const dataDir = resolve(env.PARLEY_DATA_DIR ?? './data');
  return {
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    trustProxy: trustProxy!,
    databaseUrl: env.DATABASE_URL ?? null,
    dataDir,
    redis: redis ?? null,
    redisPrefix: env.REDIS_PREFIX ?? 'parley:',
    domain: env.PARLEY_DOMAIN ?? 'localhost',
    peers: peers!,
    jwtSecret: jwtSecretFor(env, dataDir),
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS ?? 900,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS ?? 30 * 86400,
    maxDevicesPerAccount: env.MAX_DEVICES_PER_ACCOUNT ?? 6,
    preKeyLowThreshold: env.PREKEY_LOW_THRESHOLD ?? 10,
    messageTtlSeconds: env.MESSAGE_TTL_SECONDS ?? 30 * 86400,
    maxQueuedPerDevice: env.MAX_QUEUED_PER_DEVICE ?? 10000,
    // A tenth of the queue: a contact must write 1,000 messages a device has not fetched yet before
    // being refused, and it takes ten senders, not one, to fill the queue for everyone else.
    maxQueuedPerSender: env.MAX_QUEUED_PER_SENDER ?? 1000,
    maxStoredOneTimeKeys: env.MAX_STORED_ONE_TIME_KEYS ?? 500,
    federationRetryWindowSeconds: env.FEDERATION_RETRY_WINDOW_SECONDS ?? 86400,
    federationRetryBaseMs: env.FEDERATION_RETRY_BASE_MS ?? 5000,
    federationRetryMaxMs: env.FEDERATION_RETRY_MAX_MS ?? 15 * 60_000,
    federationOutboxPollMs: env.FEDERATION_OUTBOX_POLL_MS ?? 1000,
    federationRequestTimeoutMs: env.FEDERATION_REQUEST_TIMEOUT_MS ?? 10_000,
    witnessSubmitIntervalMs: env.WITNESS_SUBMIT_INTERVAL_MS ?? 5_000,
    serverKey: env.PARLEY_SERVER_KEY ?? null,
    attachmentsDir: resolve(env.ATTACHMENTS_DIR ?? join(dataDir, 'attachments')),
    attachmentMaxBytes: env.ATTACHMENT_MAX_BYTES ?? 25 * 1024 * 1024,
    attachmentTtlSeconds: env.ATTACHMENT_TTL_SECONDS ?? 30 * 86400,
    attachmentQuotaBytes: env.ATTACHMENT_QUOTA_BYTES ?? 1024 * 1024 * 1024,
    push: {
      wakeUpIntervalMs: (env.PUSH_WAKE_UP_INTERVAL_SECONDS ?? 60) * 1000,
      allowPrivateEndpoints: env.PUSH_ALLOW_PRIVATE_ENDPOINTS === 'true',
      vapidSubject: env.PUSH_VAPID_SUBJECT ?? `mailto:postmaster@${(env.PARLEY_DOMAIN ?? 'localhost').split(':')[0]}`,
    },
    backupMaxBytes: env.BACKUP_MAX_BYTES ?? 1024 * 1024,
    logLevel: env.LOG_LEVEL ?? 'info',
    rateLimits: rateLimits!,
    loginBackoff: loginBackoff!,
    testCrashAt: env.PARLEY_TEST_CRASH_AT ?? null,
  };
}
