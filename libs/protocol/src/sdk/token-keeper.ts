import type { TokenPair } from '../wire';
import { ErrorCode } from '../error-codes';
import { ParleyApiError } from './api-error';

/** Exchanges a refresh token for a new pair; rejects when the server refuses it. */
export type RefreshFn = (refreshToken: string) => Promise<TokenPair>;

/** Obtains a new pair without a refresh token (a device signing a login challenge, API.md section 1). */
export type RenewFn = () => Promise<TokenPair>;

/** The server refused the refresh token itself (expired, revoked, or spent): logging in again is the only way back. */
const isRefusedRefresh = (error: unknown) => error instanceof ParleyApiError && error.status === 401;

/**
 * Holds the current token pair and refreshes it at most once at a time.
 * Refresh tokens rotate and reuse of a spent one revokes the device's
 * sessions (API.md section 1), so two concurrent 401s must share a single
 * refresh instead of each spending the same refresh token. When the
 * refresh token itself is refused and a `renewWith` function is set, the
 * same single flight logs in again with it.
 */
export class TokenKeeper {
  private pair: TokenPair | null = null;
  private inFlight: Promise<TokenPair> | null = null;
  private renew: RenewFn | null = null;
  private readonly listeners: Array<(pair: TokenPair) => void> = [];

  constructor(private readonly refreshFn: RefreshFn) {}

  get accessToken(): string | null {
    return this.pair?.accessToken ?? null;
  }

  /** Sets tokens from a login or device creation; listeners see it like a refresh. */
  set(pair: TokenPair): void {
    this.pair = pair;
    for (const listener of this.listeners) listener(pair);
  }

  /** Called with every new pair, so a client can persist the rotated refresh token. */
  onChange(listener: (pair: TokenPair) => void): void {
    this.listeners.push(listener);
  }

  /** How to log in again once the refresh token is refused; its errors reach the caller of `refresh`. */
  renewWith(renew: RenewFn): void {
    this.renew = renew;
  }

  /** A fresh pair; `staleAccessToken` avoids refreshing again when another caller already did. */
  refresh(staleAccessToken: string | null): Promise<TokenPair> {
    if (this.pair && this.pair.accessToken !== staleAccessToken) return Promise.resolve(this.pair);
    if (!this.inFlight) {
      this.inFlight = this.obtain()
        .then((pair) => {
          // A renewal may have set the pair already (the SDK's deviceLogin does).
          if (pair !== this.pair) this.set(pair);
          return pair;
        })
        .finally(() => {
          this.inFlight = null;
        });
    }
    return this.inFlight;
  }

  private async obtain(): Promise<TokenPair> {
    const refreshToken = this.pair?.refreshToken;
    if (refreshToken) {
      try {
        return await this.refreshFn(refreshToken);
      } catch (error) {
        if (!this.renew || !isRefusedRefresh(error)) throw error;
      }
    }
    if (!this.renew) {
      throw new ParleyApiError(401, ErrorCode.Unauthorized, { error: ErrorCode.Unauthorized, message: 'no refresh token: log in first' });
    }
    return this.renew();
  }
}
