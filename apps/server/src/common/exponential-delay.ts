/** The n-th delay of an exponential backoff: base, 2·base, 4·base, ... for n = 1, 2, 3, ..., never more than max. */
export const exponentialDelayMs = (n: number, baseMs: number, maxMs: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(n - 1, 30)));
