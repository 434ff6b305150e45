import { exponentialDelayMs } from '../common/exponential-delay';
import type { BackoffRule } from '../limits/rate-limits';

/**
 * How long a network that logged in to an account stays known to it, and
 * so skips the account-wide backoff: OWASP's "device cookie", by address,
 * since a password login carries nothing else to recognise a client by.
 */
export const KNOWN_NETWORK_MS = 30 * 86_400_000;

/** How long failures are remembered once the wait they caused is over: a guesser who pauses for a day gets only the free ones back. */
export const FORGET_FAILURES_MS = 86_400_000;

/** The failed logins of an account at one network (a pair), or of an account as a whole, and until when its next attempt waits. */
export interface FailureCount {
  failures: number;
  waitUntil: number;
  /** Pairs only: until when the network is known to the account. */
  knownUntil: number;
}

export const NO_FAILURES: FailureCount = { failures: 0, waitUntil: 0, knownUntil: 0 };

/** The wait after the `failures`-th failure: none while free, then firstDelayMs doubling per failure, at most maxDelayMs. */
export const backoffDelayMs = (failures: number, rule: BackoffRule): number =>
  failures <= rule.free ? 0 : exponentialDelayMs(failures - rule.free, rule.firstDelayMs, rule.maxDelayMs);

/** The count after one more failure at `now`. */
export const withFailure = (count: FailureCount, now: number, rule: BackoffRule): FailureCount => ({
  ...count,
  failures: count.failures + 1,
  waitUntil: now + backoffDelayMs(count.failures + 1, rule),
});

/** When a count no longer matters and may be dropped. */
export const forgottenAt = (count: FailureCount): number => Math.max(count.waitUntil + FORGET_FAILURES_MS, count.knownUntil);
