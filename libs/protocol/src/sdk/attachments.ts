import { ATTACHMENT_CONTENT_TYPE, AttachmentUploadResponse } from '../attachments';
import { ParleyApiError } from './api-error';
import type { ParleyClient } from './parley-client';
import { TokenKeeper } from './token-keeper';

/**
 * The attachment routes (API.md section 7), beside the client's JSON
 * routes: they carry raw bytes, not JSON. Uses the client's tokens, and
 * like its other requests refreshes them once on a 401.
 */
export class AttachmentClient {
  private readonly tokens: TokenKeeper;
  private readonly baseUrl: string;

  constructor(client: Pick<ParleyClient, 'baseUrl' | 'tokens'>) {
    this.baseUrl = client.baseUrl;
    this.tokens = client.tokens;
  }

  /** Uploads an encrypted blob (the server never sees plaintext); the id goes into the message that carries its key. */
  async upload(blob: Uint8Array): Promise<AttachmentUploadResponse> {
    const response = await this.authorized('POST', '/v1/attachments', {
      headers: { 'content-type': ATTACHMENT_CONTENT_TYPE },
      body: blob as Uint8Array<ArrayBuffer>,
    });
    return (await response.json()) as AttachmentUploadResponse;
  }

  /** The blob exactly as uploaded; the caller checks its digest before trusting a byte. */
  async download(id: string): Promise<Uint8Array> {
    const response = await this.authorized('GET', `/v1/attachments/${encodeURIComponent(id)}`, {});
    return new Uint8Array(await response.arrayBuffer());
  }

  private async authorized(method: string, path: string, init: { headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> }) {
    const send = (token: string | null) =>
      fetch(new URL(path, this.baseUrl), {
        ...init,
        method,
        headers: { ...init.headers, ...(token && { authorization: `Bearer ${token}` }) },
      });
    const token = this.tokens.accessToken;
    let response = await send(token);
    if (response.status === 401 && token) {
      const pair = await this.tokens.refresh(token).catch(() => null);
      if (pair) response = await send(pair.accessToken);
    }
    if (!response.ok) throw ParleyApiError.fromResponse(response.status, await response.json().catch(() => undefined));
    return response;
  }
}
