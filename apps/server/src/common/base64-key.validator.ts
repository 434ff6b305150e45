import { registerDecorator, ValidationOptions } from 'class-validator';

export const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes canonical padded base64 (RFC 4648 section 4); null for anything else. */
export function decodeBase64(value: unknown): Buffer | null {
  if (typeof value !== 'string' || !CANONICAL_BASE64.test(value)) return null;
  return Buffer.from(value, 'base64');
}

/** How many bytes a base64 string decodes to, without decoding it. */
export function decodedLength(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return Math.floor((value.length * 3) / 4) - padding;
}

/** Constraint name of MaxDecodedBytes; the validation pipe answers 413 payload_too_large for it. */
export const MAX_DECODED_BYTES = 'maxDecodedBytes';

/**
 * A base64 string (checked by other rules) decoding to at most `bytes`
 * bytes, measured without decoding it.
 */
export function MaxDecodedBytes(bytes: number) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: MAX_DECODED_BYTES,
      target: object.constructor,
      propertyName,
      options: { message: `must decode to at most ${bytes} bytes` },
      validator: {
        validate(value: unknown) {
          return typeof value !== 'string' || decodedLength(value) <= bytes;
        },
      },
    });
}

/**
 * A padded base64 string decoding to exactly `bytes` bytes, and, when
 * `typeByte` is given, starting with it (0x05 for EC keys, 0x08 for
 * Kyber-1024). Fails with constraint `isParleyKey`, which the validation
 * pipe maps to `invalid_key`.
 */
export function IsBase64Bytes(bytes: number, typeByte?: number, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isParleyKey',
      target: object.constructor,
      propertyName,
      options: { message: `must be base64 of ${bytes} bytes`, ...options },
      validator: {
        validate(value: unknown) {
          const decoded = decodeBase64(value);
          return decoded !== null && decoded.length === bytes && (typeByte === undefined || decoded[0] === typeByte);
        },
      },
    });
}
