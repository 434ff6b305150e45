import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { AccountResetService } from './account-reset.service';
import { AccountResetInfoDto, CreateDeviceDto, CreateDeviceResponseDto } from './dto/device.dto';

@ApiTags('accounts')
@Controller('v1/account/reset')
@Authenticated({ device: false })
export class AccountResetController {
  constructor(private readonly resets: AccountResetService) {}

  @Get()
  @ApiOperation({ summary: 'What an account reset list must carry: version currentVersion + 1, the new device as nextDeviceId' })
  @ApiResponse({ status: 200, type: AccountResetInfoDto })
  info(@CurrentUser() user: AuthenticatedUser) {
    return this.resets.info(user);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Reset the account after losing every device: a new account identity, every old device removed (keys, queue, sessions), ' +
      'and one new device registered; answers tokens scoped to it. Every contact sees an identity change; the audit log records account_reset',
  })
  @ApiResponse({ status: 201, type: CreateDeviceResponseDto })
  @ApiErrors({
    400:
      'invalid_key, invalid_signature (a prekey, or the device list), invalid_device_list (wrong address, the current account identity ' +
      '(use POST /v1/devices), an account without an identity yet, or not exactly the new device), validation_failed or unknown_field; nothing changed.',
    403: 'device_limit_reached: the account has used up its device ids.',
    409: 'duplicate_key_id, identity_key_taken (the identity key is another device’s), or stale_device_list (not exactly one version newer: body has currentVersion); nothing changed.',
    413: 'too_many_keys: more than 100 keys in one list.',
  })
  reset(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateDeviceDto) {
    return this.resets.reset(user, dto);
  }
}
