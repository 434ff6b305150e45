import { exponentialDelayMs } from '../../common/exponential-delay';

/**
 * Delay before attempt `attempt + 1` of an outbox row, after `attempt`
 * failed ones: exponential (base, 2·base, 4·base, ...) capped at `max`,
 * with "equal jitter" (half fixed, half random) so that many rows queued
 * during one outage do not all hit the recovering peer at the same moment.
 * `random` is injectable for tests.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = exponentialDelayMs(attempt, baseMs, maxMs);
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * When to try again, or null when the retry window is over. The last
 * attempt is placed at the expiry itself, so a row is always tried once
 * more before it is given up.
 */
export function nextAttemptAt(
  now: number,
  expiresAt: number,
  attempt: number,
  baseMs: number,
  maxMs: number,
  random?: () => number,
): number | null {
  if (now >= expiresAt) return null;
  return Math.min(now + retryDelayMs(attempt, baseMs, maxMs, random), expiresAt);
}
