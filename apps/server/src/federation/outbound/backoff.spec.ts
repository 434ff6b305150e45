import { nextAttemptAt, retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it.each([
    ['first retry, no jitter drawn', 1, 0, 500],
    ['first retry, full jitter', 1, 1, 1000],
    ['second retry doubles', 2, 1, 2000],
    ['fourth retry', 4, 0.5, 6000],
    ['capped at max', 20, 1, 60_000],
    ['capped at max, least jitter', 20, 0, 30_000],
  ])('%s', (_name, attempt, random, expected) => {
    expect(retryDelayMs(attempt, 1000, 60_000, () => random)).toBe(expected);
  });
});

describe('nextAttemptAt', () => {
  const now = 1_000_000;
  it('schedules within the window', () => {
    expect(nextAttemptAt(now, now + 60_000, 1, 1000, 60_000, () => 1)).toBe(now + 1000);
  });
  it('places the last attempt at the expiry itself', () => {
    expect(nextAttemptAt(now, now + 500, 3, 1000, 60_000, () => 1)).toBe(now + 500);
  });
  it('gives up once the window is over', () => {
    expect(nextAttemptAt(now, now, 3, 1000, 60_000)).toBeNull();
    expect(nextAttemptAt(now + 1, now, 3, 1000, 60_000)).toBeNull();
  });
});
