import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ErrorCode } from '@parley/protocol';
import { ParleyException } from '../common/parley.exception';
import { IS_PUBLIC, NEEDS_DEVICE } from './auth.decorators';
import type { AuthenticatedUser } from './authenticated-user';

/**
 * The global guard: every HTTP route needs a valid access token unless it
 * is marked `@Public()`; routes marked `@Authenticated()` (the default)
 * also need the token to be device-scoped.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await super.canActivate(context);
    const { user } = context.switchToHttp().getRequest<{ user: AuthenticatedUser }>();
    const needsDevice = this.reflector.getAllAndOverride<boolean>(NEEDS_DEVICE, targets) ?? true;
    if (needsDevice && user.deviceId === null) {
      throw new ParleyException(ErrorCode.DeviceTokenRequired, 'this route needs a device token; register or log in a device first');
    }
    return true;
  }

  handleRequest<T>(error: unknown, user: T): T {
    if (error instanceof ParleyException) throw error;
    if (!user) throw ParleyException.unauthorized('missing, invalid or expired token');
    return user;
  }
}
