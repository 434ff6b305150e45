import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { Authenticated, CurrentUser, Public } from './auth.decorators';
import type { AuthenticatedUser } from './authenticated-user';
import { AuthService } from './auth.service';
import { LoginDto, RefreshDto, TokenPairDto } from './dto/auth.dto';
import { TokenService } from './token.service';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokenService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in with a password; the tokens are scoped to the account, not a device' })
  @ApiResponse({ status: 200, type: TokenPairDto, description: 'Account-scoped token pair: use it to register a device.' })
  @ApiErrors({
    400: 'Malformed body.',
    401: 'invalid_credentials: unknown user or wrong password (indistinguishable).',
    429: 'rate_limited: after repeated failures this client address must wait before trying this account again (or any account); see Retry-After. The password was not checked.',
  })
  login(@Body() dto: LoginDto, @Ip() ip: string) {
    return this.auth.login(dto, ip);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; the old refresh token stops working' })
  @ApiResponse({ status: 200, type: TokenPairDto, description: 'New token pair.' })
  @ApiErrors({ 401: 'Unknown, expired or spent refresh token; a spent one also revokes every session of its device.' })
  refresh(@Body() dto: RefreshDto) {
    return this.tokens.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated({ device: false })
  @ApiOperation({ summary: 'End this session: its access and refresh tokens stop working at once' })
  @ApiResponse({ status: 204, description: 'Logged out.' })
  logout(@CurrentUser() user: AuthenticatedUser) {
    return this.tokens.endSession(user);
  }
}
