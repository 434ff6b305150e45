/** Who is calling: the account, and the device when the token is device-scoped. */
export interface AuthenticatedUser {
  accountId: string;
  username: string;
  deviceId: number | null;
  sessionId: string;
}

/** A caller known to hold a device token (routes marked `@Authenticated()`). */
export interface AuthenticatedDevice extends AuthenticatedUser {
  deviceId: number;
}

/** Claims inside an access token. */
export interface AccessTokenClaims {
  sub: string;
  usr: string;
  dev: number | null;
  sid: string;
}
