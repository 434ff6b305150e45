import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { BackupsService } from './backups.service';
import { BackupResponseDto, PutBackupDto, PutBackupResponseDto } from './dto/backup.dto';

const BAD_ID = 'validation_failed: the id is not 32 lower-case hex digits.';
const RATE_LIMITED = 'rate_limited: too many backup requests for this account; Retry-After says when to retry.';

@ApiTags('backups')
@Controller('v1/backups/:backupId')
@Authenticated({ device: false })
export class BackupsController {
  constructor(private readonly backups: BackupsService) {}

  @Put()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Store or replace an encrypted backup under the id its recovery key yields, if expectedVersion is its current version (0: none yet). ' +
      'The token is used for rate limiting only; the backup is stored with no owner',
  })
  @ApiResponse({ status: 200, type: PutBackupResponseDto, description: 'Stored whole, replacing the previous version.' })
  @ApiErrors({
    400: `${BAD_ID} Or validation_failed / unknown_field: the body is not {ciphertext, expectedVersion}; nothing stored.`,
    409: 'backup_version_conflict: the backup is not at expectedVersion (another write came first); body has currentVersion; nothing stored.',
    413: 'backup_too_large: the ciphertext decodes to more than BACKUP_MAX_BYTES (`maxBytes`); nothing stored.',
    429: RATE_LIMITED,
  })
  put(@CurrentUser() user: AuthenticatedUser, @Param('backupId') id: string, @Body() dto: PutBackupDto) {
    return this.backups.put(user, id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Fetch an encrypted backup by id (any token: the id, derived from the recovery key, is the capability)' })
  @ApiResponse({ status: 200, type: BackupResponseDto, description: 'The ciphertext exactly as stored, and its version.' })
  @ApiErrors({ 400: BAD_ID, 404: 'not_found: no backup with this id.', 429: RATE_LIMITED })
  get(@CurrentUser() user: AuthenticatedUser, @Param('backupId') id: string) {
    return this.backups.get(user, id);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an encrypted backup by id' })
  @ApiResponse({ status: 204, description: 'Gone.' })
  @ApiErrors({ 400: BAD_ID, 404: 'not_found: no backup with this id.', 429: RATE_LIMITED })
  delete(@CurrentUser() user: AuthenticatedUser, @Param('backupId') id: string) {
    return this.backups.delete(user, id);
  }
}
