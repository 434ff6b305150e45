import { FailedRequest, ParleyApiError } from './api-error';
import { TokenKeeper } from './token-keeper';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * A route under the base URL, which may carry a path of its own (a server
 * behind a reverse proxy at `https://host/parley`): `new URL('/v1/…', base)`
 * would drop that path.
 */
export const routeUrl = (baseUrl: string, route: string): string => `${baseUrl.replace(/\/+$/, '')}${route}`;

/**
 * JSON over global fetch. Authenticated requests that get a 401 refresh the
 * token pair once and are retried once: access tokens are short-lived by
 * design (API.md, Conventions), so a 401 is usually just an expired token.
 * When the refresh is refused too, the original 401 is the answer; any
 * other failure of the refresh (or of a renewal, see TokenKeeper) is.
 */
export class HttpTransport {
  constructor(
    private readonly baseUrl: string,
    readonly tokens: TokenKeeper,
  ) {}

  async request<T>(method: HttpMethod, path: string, body?: unknown, authenticated = true): Promise<T> {
    const token = authenticated ? this.tokens.accessToken : null;
    const response = await this.send(method, path, body, token);
    if (response.status === 401 && token) {
      const pair = await this.tokens.refresh(token).catch((error: unknown) => {
        if (error instanceof ParleyApiError && error.status === 401) return null;
        throw error;
      });
      if (pair) return this.parse<T>(await this.send(method, path, body, pair.accessToken), { method, path });
    }
    return this.parse<T>(response, { method, path });
  }

  private send(method: HttpMethod, path: string, body: unknown, token: string | null): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(routeUrl(this.baseUrl, path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async parse<T>(response: Response, request: FailedRequest): Promise<T> {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text for the error */
    }
    if (!response.ok) throw ParleyApiError.fromResponse(response.status, body, request, response.headers.get('retry-after'));
    return body as T;
  }
}
