import { ATTACHMENT_CONTENT_TYPE, AttachmentUploadResponse } from '../attachments';
import { HttpTransport } from './http-transport';
import type { ParleyClient } from './parley-client';

/**
 * The attachment routes (API.md section 7), beside the client's JSON
 * routes: they carry raw bytes, not JSON. Shares the client's tokens and
 * its transport's rules (base URL with a path, one refresh on a 401, errors
 * as ParleyApiError with their Retry-After).
 */
export class AttachmentClient {
  private readonly http: HttpTransport;

  constructor(client: Pick<ParleyClient, 'baseUrl' | 'tokens'>) {
    this.http = new HttpTransport(client.baseUrl, client.tokens);
  }

  /** Uploads an encrypted blob (the server never sees plaintext); the id goes into the message that carries its key. */
  upload(blob: Uint8Array): Promise<AttachmentUploadResponse> {
    return this.http.sendBytes<AttachmentUploadResponse>(
      'POST',
      '/v1/attachments',
      ATTACHMENT_CONTENT_TYPE,
      blob as Uint8Array<ArrayBuffer>,
    );
  }

  /** The blob exactly as uploaded; the caller checks its digest before trusting a byte. */
  download(id: string): Promise<Uint8Array> {
    return this.http.fetchBytes(`/v1/attachments/${encodeURIComponent(id)}`);
  }
}
