import { LOGIN_BACKOFFS } from '../limits/rate-limits';
import { backoffDelayMs } from './login-backoff';

describe('backoffDelayMs (the default per-address rule)', () => {
  it.each([
    ['the first failure is free', 1, 0],
    ['the fifth is still free', 5, 0],
    ['the sixth makes the next attempt wait a second', 6, 1000],
    ['each further failure doubles the wait', 7, 2000],
    ['and again', 10, 16_000],
    ['the eleventh past the free ones would wait 1024 s: capped at 15 minutes', 16, 900_000],
    ['a thousand failures wait no longer', 1000, 900_000],
  ])('%s', (_name, failures, expected) => {
    expect(backoffDelayMs(failures, LOGIN_BACKOFFS.perAddress)).toBe(expected);
  });
});
