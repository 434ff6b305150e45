import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ATTACHMENT_CONTENT_TYPE, ATTACHMENT_ID_PATTERN, AttachmentUploadResponse, ErrorCode } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { Clock } from '../common/clock';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { DatabaseService, Tx } from '../database/database.service';
import { AttachmentsRepository } from './attachments.repository';
import { BlobDirectory, IncompleteBlobError, ReceivedBlob } from './blob-directory';

/** An upload as the controller hands it over: the request's headers that matter, and its unread body. */
export interface IncomingAttachment {
  contentType?: string;
  contentLength?: string;
  body: Readable;
}

export interface StoredAttachment {
  stream: Readable;
  size: number;
}

/**
 * Encrypted attachments (docs/API.md section 7): the server keeps opaque
 * blobs for ATTACHMENT_TTL_SECONDS, within a size bound per blob and a
 * quota per account, and hands them to any device that knows the id.
 */
@Injectable()
export class AttachmentsService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly attachments: AttachmentsRepository,
    private readonly blobs: BlobDirectory,
    private readonly db: DatabaseService,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores one blob. Everything that can be refused from the headers is
   * refused before a byte is read. The row is committed only after the
   * file is complete and renamed into place, with the quota checked again
   * under the account lock, so concurrent uploads cannot overrun it and a
   * refused upload leaves nothing behind.
   */
  async upload(device: AuthenticatedDevice, incoming: IncomingAttachment): Promise<AttachmentUploadResponse> {
    const size = this.declaredSize(incoming);
    await this.ensureRoom(device.accountId, size);
    const blob = await this.receive(incoming.body, size);
    const id = randomBytes(16).toString('hex');
    const expiresAt = this.clock.now() + this.config.attachmentTtlSeconds * 1000;
    try {
      await this.db.transaction(async (tx) => {
        await this.attachments.lockAccount(device.accountId, tx);
        await this.ensureRoom(device.accountId, size, tx);
        await this.attachments.insert({ id, accountId: device.accountId, size, expiresAt: new Date(expiresAt) }, tx);
        await this.blobs.publish(blob, id);
      });
    } catch (error) {
      await Promise.all([this.blobs.discard(blob), this.blobs.remove(id)]);
      throw error;
    }
    return { id, expiresAt };
  }

  /** The blob under `id` while it lives; any device may read it, the id being the capability. */
  async open(id: string): Promise<StoredAttachment> {
    if (!ATTACHMENT_ID_PATTERN.test(id))
      throw new ParleyException(ErrorCode.ValidationFailed, 'an attachment id is 32 lower-case hex digits');
    const size = await this.attachments.findLiveSize(id, new Date(this.clock.now()));
    const stream = size === null ? null : await this.blobs.open(id);
    if (!stream) throw new ParleyException(ErrorCode.NotFound, 'no attachment with this id (unknown or expired)');
    return { stream, size: size! };
  }

  private declaredSize({ contentType, contentLength }: IncomingAttachment): number {
    if (contentType?.split(';')[0].trim().toLowerCase() !== ATTACHMENT_CONTENT_TYPE) {
      throw new ParleyException(ErrorCode.UnsupportedMediaType, `an attachment is uploaded as ${ATTACHMENT_CONTENT_TYPE}`);
    }
    if (contentLength === undefined || !/^\d+$/.test(contentLength)) {
      throw new ParleyException(ErrorCode.LengthRequired, 'an attachment upload needs a Content-Length');
    }
    const size = Number(contentLength);
    if (size === 0) throw new ParleyException(ErrorCode.ValidationFailed, 'an attachment is not empty');
    const maxBytes = this.config.attachmentMaxBytes;
    if (size > maxBytes) {
      throw new ParleyException(ErrorCode.AttachmentTooLarge, `an attachment is at most ${maxBytes} bytes`, { maxBytes });
    }
    return size;
  }

  /** 429 with Retry-After until the account's oldest attachment expires, when `size` more bytes would exceed its quota. */
  private async ensureRoom(accountId: string, size: number, tx?: Tx): Promise<void> {
    const now = this.clock.now();
    const usage = await this.attachments.usage(accountId, new Date(now), tx);
    const quotaBytes = this.config.attachmentQuotaBytes;
    if (usage.bytes + size <= quotaBytes) return;
    const retryAfterMs = usage.nextExpiry ? usage.nextExpiry.getTime() - now : this.config.attachmentTtlSeconds * 1000;
    throw new ParleyException(
      ErrorCode.AttachmentQuotaExceeded,
      `this account's attachments would exceed ${quotaBytes} bytes; space frees up as they expire`,
      { quotaBytes, usedBytes: usage.bytes },
      retryAfterMs,
    );
  }

  private async receive(body: Readable, size: number): Promise<ReceivedBlob> {
    try {
      return await this.blobs.receive(body, size);
    } catch (error) {
      if (error instanceof IncompleteBlobError) throw new ParleyException(ErrorCode.ValidationFailed, error.message);
      throw error;
    }
  }
}
