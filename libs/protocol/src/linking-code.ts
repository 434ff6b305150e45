/**
 * What a new device shows so that an existing device of the account can
 * approve it: the provisioning slot the approval goes to and the new
 * device's identity public key, which the approval is sealed to.
 * `identityKey` is standard base64 (33 bytes, 0x05 then 32), as everywhere
 * in the contract; `slotId` is a UUID, lower case with dashes.
 */
export interface LinkingCode {
  slotId: string;
  identityKey: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SLOT_HEX = /^[0-9a-f]{32}$/;
const EC_KEY_BYTES = 33;
const EC_KEY_TYPE = 0x05;

/** Strict unpadded base64url: null unless `text` is the one spelling of some bytes. */
function fromBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/**
 * `<slot>.<key>`: the slot UUID as 32 lower-case hex digits, then the 33
 * key bytes as unpadded base64url (RFC 4648 section 5): 32 + 1 + 44 = 77
 * characters that survive URLs, shells and chat apps. The slot is hex, not
 * base64url, so a code never starts with '-', which command-line parsers
 * take for an option. Throws on a malformed slot id or key.
 */
export function formatLinkingCode({ slotId, identityKey }: LinkingCode): string {
  const key = Buffer.from(identityKey, 'base64');
  if (!UUID.test(slotId)) throw new Error('slotId must be a UUID');
  if (key.length !== EC_KEY_BYTES || key[0] !== EC_KEY_TYPE || key.toString('base64') !== identityKey) {
    throw new Error('identityKey must be base64 of a 33-byte EC public key');
  }
  return `${slotId.replace(/-/g, '').toLowerCase()}.${key.toString('base64url')}`;
}

/** The slot and key of a linking code; null for anything malformed. Surrounding whitespace is ignored. */
export function parseLinkingCode(code: string): LinkingCode | null {
  if (typeof code !== 'string') return null;
  const parts = code.trim().split('.');
  if (parts.length !== 2) return null;
  const hex = parts[0];
  const key = fromBase64Url(parts[1]);
  if (!SLOT_HEX.test(hex) || key?.length !== EC_KEY_BYTES || key[0] !== EC_KEY_TYPE) return null;
  const slotId = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  return { slotId, identityKey: key.toString('base64') };
}
