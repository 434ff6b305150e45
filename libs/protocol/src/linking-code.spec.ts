import { formatLinkingCode, parseLinkingCode } from './linking-code';

const slotId = '0f8fad5b-d9cb-469f-a165-70867728950e';
const keyBytes = Buffer.concat([Buffer.from([5]), Buffer.alloc(32, 0xfb)]);
const identityKey = keyBytes.toString('base64');
const code = formatLinkingCode({ slotId, identityKey });
const [slotPart, keyPart] = code.split('.');

describe('linking codes', () => {
  it('are 67 URL-safe characters that parse back to the slot and key', () => {
    expect(code).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{44}$/);
    expect(parseLinkingCode(code)).toEqual({ slotId, identityKey });
    expect(parseLinkingCode(`  ${code}\n`)).toEqual({ slotId, identityKey });
  });

  it('normalise an upper-case slot id to lower case', () => {
    expect(parseLinkingCode(formatLinkingCode({ slotId: slotId.toUpperCase(), identityKey }))?.slotId).toBe(slotId);
  });

  const b64url = (bytes: Buffer) => bytes.toString('base64url');
  it.each([
    ['an empty string', ''],
    ['no separator', slotPart + keyPart],
    ['three parts', `${code}.x`],
    ['a 32-byte key', `${slotPart}.${b64url(keyBytes.subarray(1))}`],
    ['a 34-byte key', `${slotPart}.${b64url(Buffer.concat([keyBytes, Buffer.from([0])]))}`],
    ['a key of another type than 0x05', `${slotPart}.${b64url(Buffer.concat([Buffer.from([6]), keyBytes.subarray(1)]))}`],
    ['a 15-byte slot', `${b64url(Buffer.alloc(15, 1))}.${keyPart}`],
    ['standard base64 characters', `${slotPart}.${keyPart.replace(/_/g, '/').replace(/-/g, '+')}`],
    ['padding', `${slotPart}==.${keyPart}`],
    ['a character outside base64url', `${slotPart.slice(0, -1)}!.${keyPart}`],
    ['a non-canonical last character', `${slotPart.slice(0, -1)}B.${keyPart}`],
  ])('refuses %s', (_case, malformed) => {
    expect(parseLinkingCode(malformed)).toBeNull();
  });

  it('refuses to format a slot that is not a UUID or a key that is not 33 bytes', () => {
    expect(() => formatLinkingCode({ slotId: 'slot-1', identityKey })).toThrow(/UUID/);
    expect(() => formatLinkingCode({ slotId, identityKey: keyBytes.subarray(1).toString('base64') })).toThrow(/33-byte/);
  });
});
