import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@parley/protocol';
import { ParleyException } from '../common/parley.exception';
import { IS_PUBLIC, NEEDS_DEVICE } from './auth.decorators';
import type { AuthenticatedUser } from './authenticated-user';
import { TokenService } from './token.service';

/** `Authorization: Bearer <token>` (RFC 6750: the scheme is case-insensitive). */
const BEARER = /^bearer\s+(\S+)$/i;

/**
 * The global guard: every HTTP route needs a valid access token unless it
 * is marked `@Public()`; routes marked `@Authenticated()` (the default)
 * also need the token to be device-scoped. The token is checked by
 * TokenService.authenticate, the socket handshake's check too.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<{ headers: { authorization?: string }; user?: AuthenticatedUser }>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw ParleyException.unauthorized('missing, invalid or expired token');
    const user = await this.tokens.authenticate(token);
    request.user = user;
    const needsDevice = this.reflector.getAllAndOverride<boolean>(NEEDS_DEVICE, targets) ?? true;
    if (needsDevice && user.deviceId === null) {
      throw new ParleyException(ErrorCode.DeviceTokenRequired, 'this route needs a device token; register or log in a device first');
    }
    return true;
  }
}
