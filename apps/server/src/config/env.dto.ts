import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { CRASH_POINTS } from '../common/crash-point';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every environment variable the server reads, with its rules. Validated
 * once at start-up (config.ts); nothing else reads process.env.
 */
export class EnvDto {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  /** Which proxies may name the client in X-Forwarded-For: `loopback`, `linklocal`, `uniquelocal`, IP addresses and CIDR blocks, comma-separated (config.ts parseTrustProxy). */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  PARLEY_DATA_DIR?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  /** A Redis Cluster instead of REDIS_URL: `host:port,...` of some of its nodes (config.ts parseRedisTarget). */
  @IsOptional()
  @IsString()
  REDIS_CLUSTER_NODES?: string;

  @IsOptional()
  @IsString()
  REDIS_PREFIX?: string;

  @IsOptional()
  @Matches(/^[a-z0-9.-]+(:[0-9]{1,5})?$/, { message: 'PARLEY_DOMAIN must be a lower-case host name (optionally :port)' })
  PARLEY_DOMAIN?: string;

  @IsOptional()
  @IsString()
  PARLEY_PEERS?: string;

  /** `true` admits peers at plain http:// base URLs in PARLEY_PEERS (a private network, tests); anything else needs https://. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'FEDERATION_ALLOW_HTTP must be true or false' })
  FEDERATION_ALLOW_HTTP?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86400)
  ACCESS_TOKEN_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  REFRESH_TOKEN_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(127)
  MAX_DEVICES_PER_ACCOUNT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100000)
  PREKEY_LOW_THRESHOLD?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MESSAGE_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAX_QUEUED_PER_DEVICE?: number;

  /** Envelopes one sender (by address) may have queued for one device: its share of MAX_QUEUED_PER_DEVICE. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAX_QUEUED_PER_SENDER?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  MAX_STORED_ONE_TIME_KEYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  FEDERATION_RETRY_WINDOW_SECONDS?: number;

  /** First retry delay of the federation outbox (ms); doubles per attempt, with jitter. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  FEDERATION_RETRY_BASE_MS?: number;

  /** Longest delay between two attempts of one outbox row (ms). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  FEDERATION_RETRY_MAX_MS?: number;

  /** How often each process looks for due outbox rows (ms). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  FEDERATION_OUTBOX_POLL_MS?: number;

  /** How often each process submits the key log's newest checkpoint to peers that have not cosigned it (ms). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  WITNESS_SUBMIT_INTERVAL_MS?: number;

  /** Push wake-ups: at most one per device per this many seconds while the device has fetched nothing. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  PUSH_WAKE_UP_INTERVAL_SECONDS?: number;

  /** `true` admits push endpoints that resolve to loopback, private, link-local or unique-local addresses (tests, a push distributor on a private network). */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'PUSH_ALLOW_PRIVATE_ENDPOINTS must be true or false' })
  PUSH_ALLOW_PRIVATE_ENDPOINTS?: string;

  /** The VAPID `sub` claim (RFC 8292): a mailto: or https: contact for push services. */
  @IsOptional()
  @Matches(/^(mailto:|https:\/\/)\S+$/, { message: 'PUSH_VAPID_SUBJECT must be a mailto: or https:// URL' })
  PUSH_VAPID_SUBJECT?: string;

  /** Timeout of one server-to-server request (ms). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  FEDERATION_REQUEST_TIMEOUT_MS?: number;

  /** Where attachment files live; absent: `attachments/` in PARLEY_DATA_DIR. Every process of a deployment must see the same directory. */
  @IsOptional()
  @IsString()
  ATTACHMENTS_DIR?: string;

  /** Largest attachment upload, in bytes (413 `attachment_too_large` above it). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ATTACHMENT_MAX_BYTES?: number;

  /** How long the server keeps an attachment. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ATTACHMENT_TTL_SECONDS?: number;

  /** Bytes of live attachments per account (429 `attachment_quota_exceeded` above it). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ATTACHMENT_QUOTA_BYTES?: number;

  /**
   * Largest encrypted backup, in bytes (413 `backup_too_large` above it).
   * At most 1,500,000: its base64 must fit the 2 MiB JSON body limit.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1_500_000)
  BACKUP_MAX_BYTES?: number;

  /** This server's Ed25519 private key: base64 of its PKCS#8 DER, or PEM. Absent: generated once and kept in the database. */
  @IsOptional()
  @IsString()
  PARLEY_SERVER_KEY?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  /** `name=capacity/seconds,...` overrides of rate-limits.ts, e.g. `keyFetch=100/60`. */
  @IsOptional()
  @Matches(/^([a-zA-Z]+=\d+\/\d+)(,[a-zA-Z]+=\d+\/\d+)*$/, { message: 'RATE_LIMITS must look like name=capacity/seconds,...' })
  RATE_LIMITS?: string;

  /** `name=free/firstSeconds/maxSeconds,...` overrides of LOGIN_BACKOFFS in rate-limits.ts, e.g. `perAccount=100/1/900`. */
  @IsOptional()
  @Matches(/^([a-zA-Z]+=\d+\/\d+\/\d+)(,[a-zA-Z]+=\d+\/\d+\/\d+)*$/, {
    message: 'LOGIN_BACKOFF must look like name=free/firstSeconds/maxSeconds,...',
  })
  LOGIN_BACKOFF?: string;

  /** Test-only (common/crash-point.ts): where the process SIGKILLs itself. Refused unless PARLEY_DOMAIN is a `*.test` domain; empty: nowhere. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(CRASH_POINTS)
  PARLEY_TEST_CRASH_AT?: (typeof CRASH_POINTS)[number];
}
