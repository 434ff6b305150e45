import { Response, fetch } from 'undici';
import { FailedRequest, ParleyApiError } from './api-error';
import { TokenKeeper } from './token-keeper';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * A route under the base URL, which may carry a path of its own (a server
 * behind a reverse proxy at `https://host/parley`): `new URL('/v1/…', base)`
 * would drop that path.
 */
export const routeUrl = (baseUrl: string, route: string): string => `${baseUrl.replace(/\/+$/, '')}${route}`;

/** A request body as sent: JSON text, or raw bytes (attachments). */
interface Payload {
  contentType: string;
  body: string | Uint8Array<ArrayBuffer>;
}

/**
 * HTTP over undici's fetch, JSON or raw bytes. Not the global fetch: the
 * undici bundled with Node 20 (6.x) leaves a fetch unsettled, about one
 * time in two, when the server resets the connection as it is opened;
 * with no socket left the event loop empties, and a CLI command exits 0
 * having printed nothing. undici 7 rejects it ("fetch failed", ECONNRESET). Authenticated requests that
 * get a 401 refresh the token pair once and are retried once: access
 * tokens are short-lived by design (API.md, Conventions), so a 401 is
 * usually just an expired token. When the refresh is refused too, the
 * original 401 is the answer; any other failure of the refresh (or of a
 * renewal, see TokenKeeper) is. A non-2xx answer is thrown as ParleyApiError.
 */
export class HttpTransport {
  constructor(
    private readonly baseUrl: string,
    readonly tokens: TokenKeeper,
  ) {}

  /** A JSON request and its JSON answer. */
  async request<T>(method: HttpMethod, path: string, body?: unknown, authenticated = true): Promise<T> {
    const payload = body === undefined ? undefined : { contentType: 'application/json', body: JSON.stringify(body) };
    return this.parse<T>(await this.exchange(method, path, payload, authenticated), { method, path });
  }

  /** Raw bytes up (authenticated), the JSON answer back. */
  async sendBytes<T>(method: HttpMethod, path: string, contentType: string, bytes: Uint8Array<ArrayBuffer>): Promise<T> {
    return this.parse<T>(await this.exchange(method, path, { contentType, body: bytes }, true), { method, path });
  }

  /** An authenticated GET of raw bytes, exactly as the server sent them. */
  async fetchBytes(path: string): Promise<Uint8Array> {
    const response = await this.exchange('GET', path, undefined, true);
    if (!response.ok) return this.parse<never>(response, { method: 'GET', path });
    return new Uint8Array(await response.arrayBuffer());
  }

  private async exchange(method: HttpMethod, path: string, payload: Payload | undefined, authenticated: boolean): Promise<Response> {
    const token = authenticated ? this.tokens.accessToken : null;
    const response = await this.send(method, path, payload, token);
    if (response.status === 401 && token) {
      const pair = await this.tokens.refresh(token).catch((error: unknown) => {
        if (error instanceof ParleyApiError && error.status === 401) return null;
        throw error;
      });
      if (pair) return this.send(method, path, payload, pair.accessToken);
    }
    return response;
  }

  private send(method: HttpMethod, path: string, payload: Payload | undefined, token: string | null): Promise<Response> {
    const headers: Record<string, string> = {};
    if (payload) headers['content-type'] = payload.contentType;
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(routeUrl(this.baseUrl, path), { method, headers, body: payload?.body });
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
