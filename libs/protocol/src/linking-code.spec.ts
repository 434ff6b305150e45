import { formatLinkingCode, parseLinkingCode } from './linking-code';

const slotId = '0f8fad5b-d9cb-469f-a165-70867728950e';
const keyBytes = Buffer.concat([Buffer.from([5]), Buffer.alloc(32, 0xfb)]);
const identityKey = keyBytes.toString('base64');
const code = formatLinkingCode({ slotId, identityKey });
const [slotPart, keyPart] = code.split('.');

describe('linking codes', () => {
  it('are 77 URL-safe characters that parse back to the slot and key', () => {
    expect(code).toMatch(/^[0-9a-f]{32}\.[A-Za-z0-9_-]{44}$/);
    expect(parseLinkingCode(code)).toEqual({ slotId, identityKey });
    expect(parseLinkingCode(`  ${code}\n`)).toEqual({ slotId, identityKey });
  });

  it('normalise an upper-case slot id to lower case', () => {
    expect(parseLinkingCode(formatLinkingCode({ slotId: slotId.toUpperCase(), identityKey }))?.slotId).toBe(slotId);
  });

  it('never start with "-", which a command line would read as an option (a slot whose base64url would)', () => {
    const slot = 'fbff0000-0000-4000-8000-000000000000';
    expect(Buffer.from(slot.replace(/-/g, ''), 'hex').toString('base64url')).toMatch(/^-/);
    expect(formatLinkingCode({ slotId: slot, identityKey })).toMatch(/^fbff/);
  });

  const b64url = (bytes: Buffer) => bytes.toString('base64url');
  it.each([
    ['an empty string', ''],
    ['no separator', slotPart + keyPart],
    ['three parts', `${code}.x`],
    ['a 32-byte key', `${slotPart}.${b64url(keyBytes.subarray(1))}`],
    ['a 34-byte key', `${slotPart}.${b64url(Buffer.concat([keyBytes, Buffer.from([0])]))}`],
    ['a key of another type than 0x05', `${slotPart}.${b64url(Buffer.concat([Buffer.from([6]), keyBytes.subarray(1)]))}`],
    ['a 15-byte slot', `${slotPart.slice(2)}.${keyPart}`],
    ['an upper-case slot', `${slotPart.toUpperCase()}.${keyPart}`],
    ['a base64url slot', `${b64url(Buffer.from(slotPart, 'hex'))}.${keyPart}`],
    ['standard base64 characters', `${slotPart}.${keyPart.replace(/_/g, '/').replace(/-/g, '+')}`],
    ['padding', `${slotPart}.${keyPart}=`],
    ['a character outside base64url', `${slotPart}.${keyPart.slice(0, -1)}!`],
  ])('refuses %s', (_case, malformed) => {
    expect(parseLinkingCode(malformed)).toBeNull();
  });

  it('refuses to format a slot that is not a UUID or a key that is not 33 bytes', () => {
    expect(() => formatLinkingCode({ slotId: 'slot-1', identityKey })).toThrow(/UUID/);
    expect(() => formatLinkingCode({ slotId, identityKey: keyBytes.subarray(1).toString('base64') })).toThrow(/33-byte/);
  });
});
