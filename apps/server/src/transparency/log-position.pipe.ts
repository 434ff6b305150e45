import { Injectable, PipeTransform } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import { ParleyException } from '../common/parley.exception';

/**
 * A leaf index or tree size in a query or path: decimal digits, at most
 * 2^53 - 1; 400 validation_failed otherwise (a negative number included).
 * The global pipe may already have made a number of it.
 */
@Injectable()
export class LogPositionPipe implements PipeTransform<unknown, number> {
  transform(raw: string | number | undefined): number {
    const value = String(raw ?? '');
    if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new ParleyException(ErrorCode.ValidationFailed, 'leaf indexes and tree sizes are non-negative integers');
    }
    return Number(value);
  }
}
