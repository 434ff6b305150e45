import { decodeBase64 } from './base64-key.validator';

describe('decodeBase64 (RFC 4648 section 4, padded)', () => {
  it.each([
    ['', 0],
    ['AA==', 1],
    ['AAA=', 2],
    ['AAAA', 3],
    [Buffer.alloc(33, 5).toString('base64'), 33],
  ])('decodes %j to %i bytes', (text, length) => {
    expect(decodeBase64(text)).toHaveLength(length);
  });

  it.each([
    ['missing padding', 'AA'],
    ['URL-safe characters', '-_-_'],
    ['whitespace', 'AAAA AAAA'],
    ['a newline', 'AAAA\nAAAA'],
    ['padding in the middle', 'AA==AAAA'],
    ['a number', 42],
    ['null', null],
  ])('refuses %s', (_case, value) => {
    expect(decodeBase64(value)).toBeNull();
  });
});
