import { AttachmentUploadResponse } from '@parley/protocol';

export class AttachmentUploadDto implements AttachmentUploadResponse {
  /** 32 lower-case hex digits (128 random bits): whoever knows it can download the blob, so it travels only inside encrypted messages. */
  id: string;
  /** When the server deletes the blob, ms since the epoch. */
  expiresAt: number;
}
