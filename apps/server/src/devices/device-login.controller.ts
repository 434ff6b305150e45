import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ChallengeDto, ChallengeResponseDto, DeviceLoginDto, TokenPairDto } from '../auth/dto/auth.dto';
import { ApiErrors } from '../common/api-errors.decorator';
import { DeviceLoginService } from './device-login.service';

@ApiTags('auth')
@Controller('v1/auth')
export class DeviceLoginController {
  constructor(private readonly deviceLogin: DeviceLoginService) {}

  @Public()
  @Post('challenge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Get a single-use challenge (valid 60 s) for a device to sign with its identity key' })
  @ApiResponse({ status: 200, type: ChallengeResponseDto })
  @ApiErrors({ 404: 'unknown_device.', 429: 'rate_limited.' })
  issueChallenge(@Body() dto: ChallengeDto) {
    return this.deviceLogin.issueChallenge(dto);
  }

  @Public()
  @Post('device')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log a device in with its signature over `parley-login-v1:` + challenge bytes' })
  @ApiResponse({ status: 200, type: TokenPairDto, description: 'Token pair scoped to the device.' })
  @ApiErrors({ 401: 'Challenge unknown, expired or used, or the signature does not verify.' })
  login(@Body() dto: DeviceLoginDto) {
    return this.deviceLogin.login(dto);
  }
}
