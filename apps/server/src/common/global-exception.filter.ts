import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { ErrorBody, ErrorCode } from '@parley/protocol';
import { ParleyException } from './parley.exception';

/**
 * The HTTP status of every contract error code (API.md, Conventions): the
 * one place a status is chosen. Socket replies carry the same status.
 */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.UnknownField]: 400,
  [ErrorCode.InvalidKey]: 400,
  [ErrorCode.InvalidSignature]: 400,
  [ErrorCode.InvalidDeviceList]: 400,
  [ErrorCode.TreeSizeOutOfRange]: 400,
  [ErrorCode.LeafIndexOutOfRange]: 400,
  [ErrorCode.PushEndpointRefused]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.InvalidCredentials]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.InvalidCheckpointSignature]: 403,
  [ErrorCode.DeviceLimitReached]: 403,
  [ErrorCode.DeviceTokenRequired]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.UnknownAddress]: 404,
  [ErrorCode.UnknownDevice]: 404,
  [ErrorCode.UnknownPeer]: 404,
  [ErrorCode.UnknownLog]: 404,
  [ErrorCode.UsernameTaken]: 409,
  [ErrorCode.DuplicateKeyId]: 409,
  [ErrorCode.StaleDeviceList]: 409,
  [ErrorCode.IdentityKeyTaken]: 409,
  [ErrorCode.SlotUsed]: 409,
  [ErrorCode.MismatchedDevices]: 409,
  [ErrorCode.OldSizeMismatch]: 409,
  [ErrorCode.BackupVersionConflict]: 409,
  [ErrorCode.StaleDevices]: 410,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.TooManyKeys]: 413,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.QueueFull]: 429,
  [ErrorCode.QueueShareFull]: 429,
  [ErrorCode.LengthRequired]: 411,
  [ErrorCode.AttachmentTooLarge]: 413,
  [ErrorCode.BackupTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.InconsistentCheckpoint]: 422,
  [ErrorCode.LogEquivocated]: 422,
  [ErrorCode.AttachmentQuotaExceeded]: 429,
  [ErrorCode.InternalError]: 500,
  [ErrorCode.PeerUnavailable]: 503,
  [ErrorCode.ServiceUnavailable]: 503,
};

/** Error codes for Nest's own HTTP exceptions and the body parser's errors, by status. */
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  413: ErrorCode.PayloadTooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/** The contract code for an error status that came without one of ours (Nest, the body parser, a peer). */
export const codeForStatus = (status: number): ErrorCode => CODE_BY_STATUS[status] ?? ErrorCode.ValidationFailed;

export interface MappedError {
  status: number;
  body: ErrorBody & Record<string, unknown>;
  retryAfterMs?: number;
}

/**
 * Maps anything thrown to the contract's `{error, message}` body. The one
 * place that does so, for HTTP here and for socket replies through
 * mapError. Unknown errors become 500 with a request id that is logged,
 * so an operator can find the cause and a client learns nothing internal.
 */
export function mapError(exception: unknown, logger: Logger): MappedError {
  if (exception instanceof ParleyException) {
    return {
      status: STATUS_BY_CODE[exception.code],
      body: { error: exception.code, message: exception.message, ...exception.extra },
      retryAfterMs: exception.retryAfterMs,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { status, body: { error: codeForStatus(status), message: exception.message } };
  }
  // body-parser errors carry a 4xx status and a type (entity.too.large, entity.parse.failed, ...).
  const parserError = exception as { status?: number; type?: string; message?: string };
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500 && parserError.type) {
    const message = parserError.type === 'entity.parse.failed' ? 'request body is not valid JSON' : (parserError.message ?? 'bad request');
    return { status: parserError.status, body: { error: codeForStatus(parserError.status), message } };
  }
  const requestId = randomUUID();
  logger.error({ err: exception, requestId }, 'unhandled error');
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: { error: ErrorCode.InternalError, message: 'internal error', requestId },
  };
}

@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('GlobalExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const { status, body, retryAfterMs } = mapError(exception, this.logger);
    if (retryAfterMs !== undefined) response.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    if (status >= 500) this.logger.warn({ path: request.path, method: request.method }, 'answered 500');
    response.status(status).json(body);
  }
}
