import { ParleyApiError } from './api-error';
import { TokenKeeper } from './token-keeper';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * JSON over global fetch. Authenticated requests that get a 401 refresh the
 * token pair once and are retried once: access tokens are short-lived by
 * design (API.md, Conventions), so a 401 is usually just an expired token.
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
      const pair = await this.tokens.refresh(token).catch(() => null);
      if (pair) return this.parse<T>(await this.send(method, path, body, pair.accessToken));
    }
    return this.parse<T>(response);
  }

  private send(method: HttpMethod, path: string, body: unknown, token: string | null): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async parse<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text for the error */
    }
    if (!response.ok) throw ParleyApiError.fromResponse(response.status, body);
    return body as T;
  }
}
