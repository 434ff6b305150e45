import { Body, Controller, Get, HttpCode, Injectable, PipeTransform, Post, Query } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { ParleyException } from '../common/parley.exception';
import { AuditService } from './audit.service';
import { AuditLogDto, ReportKeyLogAlarmDto } from './dto/audit.dto';

/**
 * `?after=`: absent (0), or decimal digits within the seq column's range;
 * 400 otherwise. The global pipe may already have made a number of it.
 */
@Injectable()
class AfterSeqPipe implements PipeTransform<unknown, number> {
  transform(raw: string | number | undefined): number {
    if (raw === undefined) return 0;
    const value = String(raw);
    const after = Number(value);
    if (!/^\d{1,10}$/.test(value) || after > 2 ** 31 - 1)
      throw new ParleyException(ErrorCode.ValidationFailed, 'after must be a non-negative integer');
    return after;
  }
}

@ApiTags('accounts')
@Controller('v1/account/audit')
@Authenticated()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: "The account's security audit log, oldest first, 100 entries a page; each entry's hash covers the one before" })
  @ApiQuery({ name: 'after', required: false, description: 'Only entries after this seq (default 0: from the first).' })
  @ApiResponse({ status: 200, type: AuditLogDto })
  @ApiErrors({ 400: 'after is not a non-negative integer.' })
  list(@CurrentUser() device: AuthenticatedDevice, @Query('after', AfterSeqPipe) after: number) {
    return this.audit.list(device.accountId, after);
  }

  @Post('alarms')
  @HttpCode(204)
  @ApiOperation({
    summary:
      "Records what this device's key log monitor found (a leaf of this account none of its devices signed, a fork) in the account's audit log",
  })
  @ApiErrors({ 400: 'validation_failed: reason or message.', 429: 'rate_limited: 10 reports per device an hour; see Retry-After.' })
  reportKeyLogAlarm(@CurrentUser() device: AuthenticatedDevice, @Body() dto: ReportKeyLogAlarmDto): Promise<void> {
    return this.audit.reportKeyLogAlarm(device, dto);
  }
}
