import { Body, Controller, HttpCode, Post, Ip } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { clientNetwork } from '../common/client-network';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { AccountsService } from './accounts.service';
import { CreateAccountDto, CreateAccountResponseDto } from './dto/create-account.dto';

@ApiTags('accounts')
@Controller('v1/accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly limits: RateLimiterService,
  ) {}

  @Public()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register an account' })
  @ApiResponse({ status: 201, type: CreateAccountResponseDto, description: 'The account exists; log in to add a device.' })
  @ApiErrors({
    400: 'Invalid username or password (validation_failed, unknown_field).',
    409: 'username_taken.',
    429: 'Too many registrations from this address.',
  })
  async createAccount(@Body() dto: CreateAccountDto, @Ip() ip: string) {
    // An IPv6 client holds a whole /64: one bucket for all of it.
    await this.limits.enforce('registrationPerIp', clientNetwork(ip));
    return this.accounts.register(dto);
  }
}
