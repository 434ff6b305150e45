import { formatDeliveryFailure, formatTime } from './format';

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

describe('formatDeliveryFailure', () => {
  const now = new Date(2026, 11, 3, 15, 0, 0);
  const sentAt = new Date(2026, 11, 3, 10, 42, 7).getTime();

  it.each([
    ['the retry window ran out', 'peer_unavailable', 'b.example could not be reached before the retry window ran out'],
    ['their devices changed', 'mismatched_devices', 'their devices changed while it waited; send it again'],
    ['a device was reinstalled', 'stale_devices', 'one of their devices was reinstalled while it waited; send it again'],
    ['no such user', 'unknown_address', 'there is no user bob on b.example'],
    ['too large', 'payload_too_large', 'b.example refused it as too large'],
    ['a code without wording', 'http_400', 'b.example refused it (http_400)'],
  ])('%s', (_case, error, reason) => {
    expect(formatDeliveryFailure({ id: 'i', destination: 'bob@b.example', timestamp: sentAt, error }, now)).toBe(
      `✗ not delivered to bob@b.example: ${reason} (your message of [10:42:07])`,
    );
  });
});
