import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { ErrorBody, ErrorCode } from '@parley/protocol';
import { ParleyException } from './parley.exception';

/** Error codes for Nest's own HTTP exceptions and the body parser's errors, by status. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  413: ErrorCode.PayloadTooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

export interface MappedError { status: number; body: ErrorBody & Record<string, unknown>; retryAfterMs?: number }

/**
 * Maps anything thrown to the contract's `{error, message}` body. The one
 * place that does so, for HTTP here and for socket replies through
 * mapError. Unknown errors become 500 with a request id that is logged,
 * so an operator can find the cause and a client learns nothing internal.
 */
export function mapError(exception: unknown, logger: Logger): MappedError {
  if (exception instanceof ParleyException) {
    return {
      status: exception.status,
      body: { error: exception.code, message: exception.message, ...exception.extra },
      retryAfterMs: exception.retryAfterMs,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { status, body: { error: CODE_BY_STATUS[status] ?? ErrorCode.ValidationFailed, message: exception.message } };
  }
  // body-parser errors carry a 4xx status and a type (entity.too.large, entity.parse.failed, ...).
  const parserError = exception as { status?: number; type?: string; message?: string };
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500 && parserError.type) {
    const message = parserError.type === 'entity.parse.failed' ? 'request body is not valid JSON' : (parserError.message ?? 'bad request');
    return { status: parserError.status, body: { error: CODE_BY_STATUS[parserError.status] ?? ErrorCode.ValidationFailed, message } };
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
