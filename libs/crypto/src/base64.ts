/** Standard padded base64 (RFC 4648 section 4), the contract's only binary encoding. */
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const fromBase64 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(text, 'base64'));

/** Decodes only the one canonical spelling of some bytes, else null: Buffer's own decoder skips junk silently. */
export function fromBase64Strict(text: unknown): Uint8Array<ArrayBuffer> | null {
  if (typeof text !== 'string') return null;
  const bytes = fromBase64(text);
  return toBase64(bytes) === text ? bytes : null;
}
