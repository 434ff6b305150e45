import { ErrorBody, ErrorCode, MismatchedDevicesBody, StaleDevicesBody } from '../error-codes';

/**
 * A non-2xx answer from the server, with the contract's stable `error` code
 * so callers switch on codes, never on messages (API.md, Conventions).
 */
export class ParleyApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ErrorCode | string,
    readonly body: ErrorBody,
  ) {
    super(`${status} ${error}: ${body.message}`);
    this.name = 'ParleyApiError';
  }

  /** Builds the error from a response body that may be missing or not JSON (a proxy's 502 page, say). */
  static fromResponse(status: number, body: unknown): ParleyApiError {
    const errorBody: ErrorBody = isErrorBody(body)
      ? body
      : {
          error: status === 401 ? ErrorCode.Unauthorized : ErrorCode.InternalError,
          message: typeof body === 'string' ? body : JSON.stringify(body ?? ''),
        };
    return new ParleyApiError(status, errorBody.error, errorBody);
  }
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
