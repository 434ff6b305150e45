import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { AuthenticatedUser } from './authenticated-user';

export const IS_PUBLIC = 'parley:public';
export const NEEDS_DEVICE = 'parley:needs-device';

/** Opts a route out of the deny-by-default JWT guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Marks a route as needing a bearer token; `device: true` (the default)
 * demands a device-scoped token. Sets the guard's metadata and the OpenAPI
 * security together, so the two cannot disagree.
 */
export function Authenticated(options: { device?: boolean } = {}) {
  const device = options.device ?? true;
  return applyDecorators(
    SetMetadata(NEEDS_DEVICE, device),
    ApiBearerAuth(),
    ApiResponse({ status: 401, description: 'Missing, expired or revoked token (unauthorized).' }),
    ...(device
      ? [ApiResponse({ status: 403, description: 'device_token_required: an account-scoped token; register or log in a device.' })]
      : []),
  );
}

/** The caller's identity as established by the guard. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
