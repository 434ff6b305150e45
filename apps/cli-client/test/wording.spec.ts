import { formatWait } from '../src/cli-error';
import { numbered, plural } from '../src/output';

describe('wording', () => {
  it.each([
    [0, '0 devices'],
    [1, '1 device'],
    [2, '2 devices'],
  ])('plural(%i)', (count, expected) => expect(plural(count, 'device')).toBe(expected));

  it('takes an irregular plural', () => expect(plural(3, 'entry', 'entries')).toBe('3 entries'));

  it.each([
    [[2], 'device 2'],
    [[1, 3], 'devices 1, 3'],
  ])('numbered(%j)', (ids, expected) => expect(numbered('device', ids)).toBe(expected));

  it.each([
    [200, '1 s'],
    [42_000, '42 s'],
    [59_500, '60 s'],
    [60_000, '1 min'],
    [150_000, '3 min'],
  ])('formatWait(%i)', (ms, expected) => expect(formatWait(ms)).toBe(expected));
});
