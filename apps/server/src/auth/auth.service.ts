import { Injectable } from '@nestjs/common';
import { ErrorCode, Limits, TokenPair } from '@parley/protocol';
import { AccountsService } from '../accounts/accounts.service';
import { AuditService } from '../audit/audit.service';
import { coarseAddress } from '../audit/coarse-address';
import { ParleyException } from '../common/parley.exception';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { LoginDto } from './dto/auth.dto';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: TokenService,
    private readonly limits: RateLimiterService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Password login, yielding an account-scoped session (no device). Unknown
   * user and wrong password answer alike; each failure costs a token from
   * the account's and the client IP's buckets, and an empty bucket answers
   * 429 before the password is even checked.
   */
  async login(dto: LoginDto, ip: string): Promise<TokenPair> {
    for (const [name, key] of [
      ['loginFailuresPerAccount', dto.username],
      ['loginFailuresPerIp', ip],
    ] as const) {
      const { allowed, retryAfterMs } = await this.limits.check(name, key);
      if (!allowed) throw ParleyException.rateLimited(retryAfterMs);
    }
    const account = await this.accounts.checkPassword(dto.username, dto.password);
    const network = coarseAddress(ip);
    if (!account) {
      await this.limits.take('loginFailuresPerAccount', dto.username);
      await this.limits.take('loginFailuresPerIp', ip);
      const named = Limits.usernamePattern.test(dto.username) ? await this.accounts.findByUsername(dto.username) : null;
      if (named) await this.audit.record(named.id, 'login_failed', { network });
      throw new ParleyException(ErrorCode.InvalidCredentials, 'invalid username or password');
    }
    await this.audit.record(account.id, 'login', { network });
    return this.tokens.startSession(account, null);
  }
}
