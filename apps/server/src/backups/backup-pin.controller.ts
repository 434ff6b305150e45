import { Body, Controller, Delete, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { BackupPinService } from './backup-pin.service';
import {
  PinLoginFinishDto,
  PinLoginFinishResponseDto,
  PinLoginStartDto,
  PinLoginStartResponseDto,
  PinRegistrationDto,
  PinRegistrationResponseDto,
  SetPinDto,
} from './dto/backup-pin.dto';

const BAD_MESSAGE = 'validation_failed or unknown_field: not an OPAQUE message the server can read; nothing stored.';
const RATE_LIMITED = 'rate_limited: too many backup requests for this account; Retry-After says when to retry.';
const NO_PIN = 'not_found: the account has no backup PIN (never set, or deleted after 10 wrong guesses).';

@ApiTags('backups')
@Controller('v1/backup-pin')
export class BackupPinController {
  constructor(private readonly pins: BackupPinService) {}

  @Post('registration')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: "OPAQUE registration, step 1: the server's response to the client's registration request for a new PIN" })
  @ApiResponse({ status: 200, type: PinRegistrationResponseDto })
  @ApiErrors({ 400: BAD_MESSAGE, 429: RATE_LIMITED })
  startRegistration(@CurrentUser() user: AuthenticatedUser, @Body() dto: PinRegistrationDto) {
    return this.pins.startRegistration(user, dto);
  }

  @Put()
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({
    summary: "Set or replace the account's backup PIN: the OPAQUE registration record and the recovery key wrapped with its export key",
  })
  @ApiResponse({ status: 204, description: 'Stored; any earlier PIN and its guess count are gone.' })
  @ApiErrors({ 400: `${BAD_MESSAGE} Or wrappedKey not 1 to 256 bytes of padded base64.`, 429: RATE_LIMITED })
  setPin(@CurrentUser() user: AuthenticatedUser, @Body() dto: SetPinDto) {
    return this.pins.setPin(user, dto);
  }

  @Delete()
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: "Delete the account's backup PIN and the wrapped key" })
  @ApiResponse({ status: 204, description: 'Gone.' })
  @ApiErrors({ 404: NO_PIN, 429: RATE_LIMITED })
  deletePin(@CurrentUser() user: AuthenticatedUser) {
    return this.pins.deletePin(user);
  }

  @Post('login')
  @HttpCode(200)
  @Authenticated({ device: false })
  @ApiOperation({
    summary: 'OPAQUE login with the PIN, step 1: counts one guess (of 10 between right ones), then answers the login response',
  })
  @ApiResponse({ status: 200, type: PinLoginStartResponseDto })
  @ApiErrors({ 400: BAD_MESSAGE, 404: NO_PIN, 429: RATE_LIMITED })
  startLogin(@CurrentUser() user: AuthenticatedUser, @Body() dto: PinLoginStartDto) {
    return this.pins.startLogin(user, dto);
  }

  @Post('login/finish')
  @HttpCode(200)
  @Authenticated({ device: false })
  @ApiOperation({ summary: 'OPAQUE login with the PIN, step 2: the wrapped recovery key, once the login proves the PIN' })
  @ApiResponse({ status: 200, type: PinLoginFinishResponseDto })
  @ApiErrors({
    400: BAD_MESSAGE,
    401: 'invalid_credentials: no login in progress, or the proof failed (a wrong PIN); the guess stays counted.',
    404: NO_PIN,
  })
  finishLogin(@CurrentUser() user: AuthenticatedUser, @Body() dto: PinLoginFinishDto) {
    return this.pins.finishLogin(user, dto);
  }
}
