import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';

/**
 * The one domain exception. Services throw it with a contract error code;
 * the global filter writes `{error, message, ...extra}` with its status.
 */
export class ParleyException extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  static badRequest(code: ErrorCode, message: string) {
    return new ParleyException(HttpStatus.BAD_REQUEST, code, message);
  }
  static unauthorized(message = 'authentication required') {
    return new ParleyException(HttpStatus.UNAUTHORIZED, ErrorCode.Unauthorized, message);
  }
  static forbidden(code: ErrorCode, message: string) {
    return new ParleyException(HttpStatus.FORBIDDEN, code, message);
  }
  static notFound(code: ErrorCode, message: string) {
    return new ParleyException(HttpStatus.NOT_FOUND, code, message);
  }
  static conflict(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    return new ParleyException(HttpStatus.CONFLICT, code, message, extra);
  }
  static tooLarge(code: ErrorCode, message: string) {
    return new ParleyException(HttpStatus.PAYLOAD_TOO_LARGE, code, message);
  }
  static rateLimited(retryAfterMs: number) {
    return new ParleyException(HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RateLimited, 'too many requests, retry later', {}, retryAfterMs);
  }
}
