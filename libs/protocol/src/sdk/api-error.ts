import { ErrorBody, ErrorCode, MismatchedDevicesBody, StaleDevicesBody } from '../error-codes';

/** The request an error answered, so a client can say what failed ("no user dave"). */
export interface FailedRequest {
  method: string;
  /** The route as the SDK names it, without the base URL: `/v1/keys/dave`. */
  path: string;
}

/**
 * A non-2xx answer from the server, with the contract's stable `error` code
 * so callers switch on codes, never on messages (API.md, Conventions).
 */
export class ParleyApiError extends Error {
  /**
   * @param retryAfterMs how long the server asked to wait (its `Retry-After`
   *   header, on 429 and 503), when it said
   */
  constructor(
    readonly status: number,
    readonly error: ErrorCode | string,
    readonly body: ErrorBody,
    readonly request?: FailedRequest,
    readonly retryAfterMs?: number,
  ) {
    super(`${status} ${error}: ${body.message}`);
    this.name = 'ParleyApiError';
  }

  /** Builds the error from a response body that may be missing or not JSON (a proxy's 502 page, say). */
  static fromResponse(status: number, body: unknown, request?: FailedRequest, retryAfter?: string | null): ParleyApiError {
    const errorBody: ErrorBody = isErrorBody(body)
      ? body
      : {
          error: status === 401 ? ErrorCode.Unauthorized : ErrorCode.InternalError,
          message: typeof body === 'string' ? body : JSON.stringify(body ?? ''),
        };
    return new ParleyApiError(status, errorBody.error, errorBody, request, parseRetryAfter(retryAfter));
  }
}

/** `Retry-After` is delay-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ErrorBody).error === 'string';
}

/** 409 on a send: the device list was incomplete or had devices that no longer exist. */
export const isMismatchedDevices = (e: unknown): e is ParleyApiError & { body: MismatchedDevicesBody } =>
  e instanceof ParleyApiError && e.status === 409 && e.error === ErrorCode.MismatchedDevices;

/** 410 on a send: some devices were re-registered, so their sessions are stale. */
export const isStaleDevices = (e: unknown): e is ParleyApiError & { body: StaleDevicesBody } =>
  e instanceof ParleyApiError && e.status === 410 && e.error === ErrorCode.StaleDevices;
