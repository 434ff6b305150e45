import type { Clock } from '../common/clock';
import { ExpiringMap } from '../common/expiring-map';
import type { BackoffRule, LoginBackoffRules } from '../limits/rate-limits';
import { requireRedis, RedisConnection } from '../shared-state/redis-client';
import { FailureCount, FORGET_FAILURES_MS, forgottenAt, KNOWN_NETWORK_MS, NO_FAILURES, withFailure } from './login-backoff';
import { LOGIN_ADMIT_LUA, LOGIN_SUCCEEDED_LUA } from './login-attempts.lua';

export type Admission = { admitted: true; countedAccountWide: boolean } | { admitted: false; retryAfterMs: number };

/**
 * Password login attempts, with the backoffs of rate-limits.ts
 * LOGIN_BACKOFFS: per account and client network (one guesser, whose
 * waits never touch the owner elsewhere), and per account for networks
 * that have not logged in to it within KNOWN_NETWORK_MS (many guessers,
 * whose waits never touch the owner where the owner logged in before).
 * Chosen with the rest of the shared state (shared-state.factory.ts).
 */
export abstract class LoginAttempts {
  /**
   * Atomically: refuses while a count that applies waits; otherwise
   * counts the attempt as a failure and starts the wait that calls for.
   * Counting before the password is checked keeps concurrent guesses from
   * all slipping through one open moment; `succeeded` takes it back.
   */
  abstract admit(username: string, network: string): Promise<Admission>;

  /** The password was right: the pair's failures are forgiven, the network is known to the account, and the account-wide count takes the attempt back. */
  abstract succeeded(username: string, network: string, countedAccountWide: boolean): Promise<void>;
}

/**
 * The two counts of an attempt. The username, whatever a client sent, comes
 * last, so no username can name another count. Both keys carry the hash tag
 * `{account:<username>}`, because one script reads and writes both and on
 * a Redis Cluster they must share a slot. Redis hashes what lies between the
 * first `{` and the next `}`: a network has no braces, so that is the same
 * text in both keys whatever braces a username holds, and never empty.
 */
const keysOf = (username: string, network: string) => ({
  pair: `login:pair:${network}:{account:${username}}`,
  account: `login:{account:${username}}`,
});

/** Most counts kept in memory (some 30 MB); beyond it the least recently written are forgotten. */
const MAX_COUNTS = 100_000;

/** Single-process mode: counts in this process's memory. */
export class MemoryLoginAttempts extends LoginAttempts {
  private readonly counts: ExpiringMap<FailureCount>;

  constructor(
    private readonly rules: LoginBackoffRules,
    private readonly clock: Clock,
    maxCounts = MAX_COUNTS,
  ) {
    super();
    this.counts = new ExpiringMap(clock, maxCounts);
  }

  async admit(username: string, network: string): Promise<Admission> {
    const now = this.clock.now();
    const keys = keysOf(username, network);
    const pair = this.counts.get(keys.pair) ?? NO_FAILURES;
    const known = pair.knownUntil > now;
    const account = known ? NO_FAILURES : (this.counts.get(keys.account) ?? NO_FAILURES);
    const waitUntil = Math.max(pair.waitUntil, account.waitUntil);
    if (waitUntil > now) return { admitted: false, retryAfterMs: waitUntil - now };
    this.record(keys.pair, withFailure(pair, now, this.rules.perAddress));
    if (!known) this.record(keys.account, withFailure(account, now, this.rules.perAccount));
    return { admitted: true, countedAccountWide: !known };
  }

  async succeeded(username: string, network: string, countedAccountWide: boolean): Promise<void> {
    const keys = keysOf(username, network);
    this.record(keys.pair, { ...NO_FAILURES, knownUntil: this.clock.now() + KNOWN_NETWORK_MS });
    const account = countedAccountWide ? this.counts.get(keys.account) : undefined;
    if (account) this.record(keys.account, { ...account, failures: Math.max(0, account.failures - 1) });
  }

  private record(key: string, count: FailureCount) {
    this.counts.set(key, count, forgottenAt(count));
  }
}

type LoginScripts = RedisConnection & {
  parleyLoginAdmit(...args: unknown[]): Promise<[number, number, number]>;
  parleyLoginSucceeded(...args: unknown[]): Promise<number>;
};

const ruleArgs = (rule: BackoffRule) => [rule.free, rule.firstDelayMs, rule.maxDelayMs];

/** Scale-out: one atomic script per attempt, so every process shares each count; Redis expires them. */
export class RedisLoginAttempts extends LoginAttempts {
  private readonly redis: LoginScripts;

  constructor(
    redis: RedisConnection,
    private readonly prefix: string,
    private readonly rules: LoginBackoffRules,
    private readonly clock: Clock,
  ) {
    super();
    redis.defineCommand('parleyLoginAdmit', { numberOfKeys: 2, lua: LOGIN_ADMIT_LUA });
    redis.defineCommand('parleyLoginSucceeded', { numberOfKeys: 2, lua: LOGIN_SUCCEEDED_LUA });
    this.redis = redis as LoginScripts;
  }

  async admit(username: string, network: string): Promise<Admission> {
    const { pair, account } = keysOf(username, network);
    const [admitted, retryAfterMs, countedAccountWide] = await requireRedis(
      this.redis.parleyLoginAdmit(
        this.prefix + pair,
        this.prefix + account,
        this.clock.now(),
        FORGET_FAILURES_MS,
        ...ruleArgs(this.rules.perAddress),
        ...ruleArgs(this.rules.perAccount),
      ),
    );
    return admitted === 1 ? { admitted: true, countedAccountWide: countedAccountWide === 1 } : { admitted: false, retryAfterMs };
  }

  async succeeded(username: string, network: string, countedAccountWide: boolean): Promise<void> {
    const { pair, account } = keysOf(username, network);
    await requireRedis(
      this.redis.parleyLoginSucceeded(
        this.prefix + pair,
        this.prefix + account,
        this.clock.now(),
        KNOWN_NETWORK_MS,
        countedAccountWide ? 1 : 0,
      ),
    );
  }
}
