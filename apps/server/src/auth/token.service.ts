import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ClosingNotice, TokenPair } from '@parley/protocol';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { ParleyException } from '../common/parley.exception';
import { Clock } from '../common/clock';
import { Tx } from '../database/database.service';
import { AccessTokenClaims, AuthenticatedUser } from './authenticated-user';
import { AuditService } from '../audit/audit.service';
import { DeliveryBus } from '../delivery/delivery-bus';
import { RevocationList } from './revocation-list';
import { SessionsRepository } from './sessions.repository';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Access tokens are short-lived JWTs naming a session; refresh tokens are
 * `<sessionId>.<generation>.<secret>` and rotate on every use. Presenting
 * the secret just spent means the token was copied: every session of that
 * device is revoked (the OAuth 2.1 refresh-token-reuse rule). A token that
 * merely names a live session (its id is readable in any access token)
 * with a wrong secret proves nothing and revokes nothing.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly jwt: JwtService,
    private readonly sessions: SessionsRepository,
    private readonly revocations: RevocationList,
    private readonly bus: DeliveryBus,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async startSession(account: { id: string; username: string }, deviceId: number | null, tx?: Tx): Promise<TokenPair> {
    const sessionId = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.sessions.insertSession(
      {
        id: sessionId,
        accountId: account.id,
        deviceId,
        refreshHash: sha256(secret),
        expiresAt: this.refreshExpiry(),
      },
      tx,
    );
    return this.tokenPair({ sub: account.id, usr: account.username, dev: deviceId, sid: sessionId }, 0, secret);
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const [sessionId, generationText, secret] = refreshToken.split('.');
    const generation = Number(generationText);
    const session = sessionId && /^[0-9a-f-]{36}$/.test(sessionId) && secret ? await this.sessions.findSession(sessionId) : null;
    if (!session || !Number.isInteger(generation) || session.expires_at.getTime() < this.clock.now()) {
      throw ParleyException.unauthorized('invalid refresh token');
    }
    const presented = sha256(secret);
    const isCurrent = generation === session.generation && timingSafeEqual(presented, session.refresh_hash);
    if (!isCurrent) {
      const isSpent =
        generation === session.generation - 1 &&
        session.spent_refresh_hash !== null &&
        timingSafeEqual(presented, session.spent_refresh_hash);
      if (!isSpent) throw ParleyException.unauthorized('invalid refresh token');
      throw await this.revokeForReuse(session.account_id, session.device_id);
    }
    const nextSecret = randomBytes(32).toString('base64url');
    if (!(await this.sessions.rotateRefreshSecret(session.id, generation, sha256(nextSecret), this.refreshExpiry()))) {
      throw await this.revokeForReuse(session.account_id, session.device_id);
    }
    const claims = { sub: session.account_id, usr: session.username, dev: session.device_id, sid: session.id };
    return this.tokenPair(claims, generation + 1, nextSecret);
  }

  async endSession(user: AuthenticatedUser): Promise<void> {
    await this.sessions.deleteSession(user.sessionId);
    await this.revokeSessions(user.accountId, user.deviceId, [user.sessionId], 'logged_out');
  }

  /** Ends every session of a device (or the account-scoped ones, for null) at once. */
  async revokeDevice(accountId: string, deviceId: number | null, reason: ClosingNotice['reason'], tx?: Tx): Promise<void> {
    const ids = await this.sessions.deleteDeviceSessions(accountId, deviceId, tx);
    await this.revokeSessions(accountId, deviceId, ids, reason, tx);
  }

  /** A spent refresh token came back: it was copied. The device's sessions end and the account's log says so. */
  private async revokeForReuse(accountId: string, deviceId: number | null): Promise<ParleyException> {
    await this.revokeDevice(accountId, deviceId, 'logged_out');
    await this.audit.record(accountId, 'refresh_reuse', deviceId === null ? { scope: 'account' } : { deviceId });
    return ParleyException.unauthorized('refresh token reused; the sessions of this device were revoked');
  }

  /** Revoked access tokens stop working at once, and sockets they opened are told why and closed. */
  private async revokeSessions(accountId: string, deviceId: number | null, sessionIds: string[], reason: ClosingNotice['reason'], tx?: Tx) {
    if (sessionIds.length === 0) return;
    await this.revocations.revoke(sessionIds, this.config.accessTokenTtlSeconds, tx);
    if (deviceId !== null) await this.bus.publish(accountId, deviceId, { kind: 'sessionsEnded', sessionIds, reason });
  }

  /** The caller named by verified claims, or 401 when its session was revoked. Used by HTTP and socket auth alike. */
  async userFromClaims(claims: AccessTokenClaims): Promise<AuthenticatedUser> {
    if (await this.revocations.isRevoked(claims.sid)) throw ParleyException.unauthorized('token revoked');
    return { accountId: claims.sub, username: claims.usr, deviceId: claims.dev, sessionId: claims.sid };
  }

  /** Verifies a raw access token (signature, expiry, revocation): the socket handshake's entry point. */
  async authenticate(token: string): Promise<AuthenticatedUser> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token);
    } catch {
      throw ParleyException.unauthorized('invalid or expired token');
    }
    return this.userFromClaims(claims);
  }

  private async tokenPair(claims: AccessTokenClaims, generation: number, secret: string): Promise<TokenPair> {
    return {
      accessToken: await this.jwt.signAsync(claims, { expiresIn: this.config.accessTokenTtlSeconds }),
      refreshToken: `${claims.sid}.${generation}.${secret}`,
      expiresIn: this.config.accessTokenTtlSeconds,
    };
  }

  private refreshExpiry() {
    return new Date(this.clock.now() + this.config.refreshTokenTtlSeconds * 1000);
  }
}
