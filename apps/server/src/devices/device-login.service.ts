import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DEVICE_LOGIN_CONTEXT, ErrorCode, Limits, TokenPair } from '@parley/protocol';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AuditService } from '../audit/audit.service';
import { TokenService } from '../auth/token.service';
import { ParleyException } from '../common/parley.exception';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { parseIdentityKey } from '../keys/prekey-verifier';
import { ChallengeDto, DeviceLoginDto } from '../auth/dto/auth.dto';
import { DevicesRepository } from './devices.repository';

const CHALLENGE_TTL_SECONDS = 60;

/** Logging a device in by signing a server challenge with its identity key (API.md section 1). */
@Injectable()
export class DeviceLoginService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly devices: DevicesRepository,
    private readonly tokens: TokenService,
    private readonly limits: RateLimiterService,
    private readonly audit: AuditService,
  ) {}

  async issueChallenge(dto: ChallengeDto): Promise<{ challenge: string }> {
    const account = await this.accounts.findByUsername(dto.username);
    const known = account && (await this.devices.listRegistrations(account.id)).some((d) => d.deviceId === dto.deviceId);
    if (!account || !known) throw new ParleyException(ErrorCode.UnknownDevice, 'no such device');
    await this.limits.enforce('deviceChallenge', `${account.id}:${dto.deviceId}`);
    const challenge = randomBytes(Limits.challengeBytes);
    await this.devices.insertChallenge(challenge, account.id, dto.deviceId, CHALLENGE_TTL_SECONDS);
    await this.audit.record(account.id, 'device_challenge', { deviceId: dto.deviceId });
    return { challenge: challenge.toString('base64') };
  }

  async login(dto: DeviceLoginDto): Promise<TokenPair> {
    const failed = () => ParleyException.unauthorized('challenge unknown, expired or already used, or signature invalid');
    const account = await this.accounts.findByUsername(dto.username);
    if (!account) throw failed();
    const challenge = Buffer.from(dto.challenge, 'base64');
    const identityKey = await this.devices.consumeChallenge(challenge, account.id, dto.deviceId);
    if (!identityKey) throw failed();
    const signed = Buffer.concat([Buffer.from(DEVICE_LOGIN_CONTEXT, 'utf8'), challenge]);
    if (!parseIdentityKey(identityKey).verify(new Uint8Array(signed), new Uint8Array(Buffer.from(dto.signature, 'base64')))) throw failed();
    await this.devices.touchLastSeen(account.id, dto.deviceId);
    await this.audit.record(account.id, 'device_login', { deviceId: dto.deviceId });
    return this.tokens.startSession(account, dto.deviceId);
  }
}
