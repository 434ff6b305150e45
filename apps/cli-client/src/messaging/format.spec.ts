import { formatTime } from './format';

describe('formatTime', () => {
  const now = new Date(2026, 11, 3, 15, 0, 0);

  it.each([
    ['today: the time only', new Date(2026, 11, 3, 9, 5, 7), '[09:05:07]'],
    ['yesterday: with the date', new Date(2026, 11, 2, 23, 59, 59), '[2026-12-02 23:59:59]'],
    ['last year: with the date', new Date(2025, 0, 31, 8, 0, 0), '[2025-01-31 08:00:00]'],
  ])('%s', (_case, at, expected) => {
    expect(formatTime(at.getTime(), now)).toBe(expected);
  });
});
