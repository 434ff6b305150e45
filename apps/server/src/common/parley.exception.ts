import { ErrorCode } from '@parley/protocol';

/**
 * The one domain exception. Services throw it with a contract error code
 * and never choose an HTTP status: the global filter derives the status
 * from the code (STATUS_BY_CODE) and writes `{error, message, ...extra}`.
 */
export class ParleyException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  static unauthorized(message = 'authentication required') {
    return new ParleyException(ErrorCode.Unauthorized, message);
  }
  static rateLimited(retryAfterMs: number) {
    return new ParleyException(ErrorCode.RateLimited, 'too many requests, retry later', {}, retryAfterMs);
  }
  /** Shared state (Redis) cannot be reached: 503, never 401, so a client keeps its good credentials. */
  static sharedStateUnavailable() {
    return new ParleyException(ErrorCode.ServiceUnavailable, 'shared state (Redis) is unavailable; retry shortly', {}, 5_000);
  }
}
