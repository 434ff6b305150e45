import { Injectable } from '@nestjs/common';
import { ErrorCode, Limits, TokenPair } from '@parley/protocol';
import { AccountsService } from '../accounts/accounts.service';
import { AuditService } from '../audit/audit.service';
import { coarseAddress } from '../audit/coarse-address';
import { clientNetwork } from '../common/client-network';
import { ParleyException } from '../common/parley.exception';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { LoginDto } from './dto/auth.dto';
import { LoginAttempts } from './login-attempts';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: TokenService,
    private readonly limits: RateLimiterService,
    private readonly attempts: LoginAttempts,
    private readonly audit: AuditService,
  ) {}

  /**
   * Password login, yielding an account-scoped session (no device). Unknown
   * user and wrong password answer alike, and are throttled alike, so a 429
   * does not reveal whether an account exists. Throttled attempts answer
   * 429 before the password is even checked: per client network across
   * accounts (a bucket), and per account and network or account-wide
   * (backoffs, LoginAttempts). Nobody's failures make the owner wait at a
   * network the owner logged in from.
   */
  async login(dto: LoginDto, ip: string): Promise<TokenPair> {
    const network = clientNetwork(ip);
    const perNetwork = await this.limits.check('loginFailuresPerIp', network);
    if (!perNetwork.allowed) throw ParleyException.rateLimited(perNetwork.retryAfterMs);
    const attempt = await this.attempts.admit(dto.username, network);
    if (!attempt.admitted) throw ParleyException.rateLimited(attempt.retryAfterMs);
    const account = await this.accounts.checkPassword(dto.username, dto.password);
    if (!account) {
      await this.limits.take('loginFailuresPerIp', network);
      const named = Limits.usernamePattern.test(dto.username) ? await this.accounts.findByUsername(dto.username) : null;
      if (named) await this.audit.record(named.id, 'login_failed', { network: coarseAddress(ip) });
      throw new ParleyException(ErrorCode.InvalidCredentials, 'invalid username or password');
    }
    await this.attempts.succeeded(dto.username, network, attempt.countedAccountWide);
    await this.audit.record(account.id, 'login', { network: coarseAddress(ip) });
    return this.tokens.startSession(account, null);
  }
}
