import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import { MAX_DECODED_BYTES } from './base64-key.validator';
import { ParleyException } from './parley.exception';

function flatten(errors: ValidationError[], parent = ''): ValidationError[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ ...e, property: path }] : [];
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** Constraint names whose failure means "413", not "400" (oversized key lists). */
const TOO_MANY_KEYS = 'arrayMaxSize';
const KEY_LISTS = /(^|\.)(preKeys|pqPreKeys)$/;

/** Far deeper than any body of the contract (a signed device list, the deepest, nests 3 levels). */
export const MAX_NESTING_DEPTH = 32;

/** Whether `value` nests objects or arrays more than `max` levels deep. Iterative: safe for any depth. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * class-transformer and class-validator recurse into every level of a
 * body, so one nested thousands of levels deep would overflow the stack
 * (a 500). JSON.parse is iterative, so the bound is checked here, first,
 * for HTTP, socket and federation bodies alike.
 */
class DepthBoundedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (nestsDeeperThan(value, MAX_NESTING_DEPTH)) {
      throw new ParleyException(ErrorCode.ValidationFailed, `the request nests more than ${MAX_NESTING_DEPTH} levels deep`);
    }
    return super.transform(value, metadata);
  }
}

/**
 * The global pipe: bodies nested more than MAX_NESTING_DEPTH levels are
 * 400, unknown fields are rejected (`unknown_field`), lists over the
 * contract's 100 keys answer 413 `too_many_keys`, message contents over
 * 256 KiB 413 `payload_too_large`, anything else invalid is 400 with the
 * first failing constraint's code.
 */
export function createValidationPipe() {
  return new DepthBoundedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validateCustomDecorators: false,
    exceptionFactory: (errors) => {
      const flat = flatten(errors);
      const unknown = flat.find((e) => e.constraints?.whitelistValidation);
      if (unknown) return new ParleyException(ErrorCode.UnknownField, `unknown field: ${unknown.property}`);
      const tooMany = flat.find((e) => e.constraints?.[TOO_MANY_KEYS] && KEY_LISTS.test(e.property));
      if (tooMany) return new ParleyException(ErrorCode.TooManyKeys, `${tooMany.property}: at most 100 keys per list`);
      const tooLarge = flat.find((e) => e.constraints?.[MAX_DECODED_BYTES]);
      if (tooLarge)
        return new ParleyException(ErrorCode.PayloadTooLarge, `${tooLarge.property}: ${tooLarge.constraints![MAX_DECODED_BYTES]}`);
      const first = flat[0];
      const keyError = flat.find((e) => e.constraints?.isParleyKey);
      if (keyError) return new ParleyException(ErrorCode.InvalidKey, `${keyError.property}: ${Object.values(keyError.constraints!)[0]}`);
      const message = first ? `${first.property}: ${Object.values(first.constraints ?? {})[0]}` : 'invalid request';
      return new ParleyException(ErrorCode.ValidationFailed, message);
    },
  });
}
