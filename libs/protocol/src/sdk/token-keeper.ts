import type { TokenPair } from '../wire';

/** Exchanges a refresh token for a new pair; rejects when the server refuses it. */
export type RefreshFn = (refreshToken: string) => Promise<TokenPair>;

/**
 * Holds the current token pair and refreshes it at most once at a time.
 * Refresh tokens rotate and reuse of a spent one revokes the device's
 * sessions (API.md section 1), so two concurrent 401s must share a single
 * refresh instead of each spending the same refresh token.
 */
export class TokenKeeper {
  private pair: TokenPair | null = null;
  private inFlight: Promise<TokenPair> | null = null;
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

  /** A fresh pair; `staleAccessToken` avoids refreshing again when another caller already did. */
  refresh(staleAccessToken: string | null): Promise<TokenPair> {
    if (this.pair && this.pair.accessToken !== staleAccessToken) return Promise.resolve(this.pair);
    if (!this.inFlight) {
      const refreshToken = this.pair?.refreshToken;
      if (!refreshToken) return Promise.reject(new Error('no refresh token: log in first'));
      this.inFlight = this.refreshFn(refreshToken)
        .then((pair) => {
          this.set(pair);
          return pair;
        })
        .finally(() => {
          this.inFlight = null;
        });
    }
    return this.inFlight;
  }
}
