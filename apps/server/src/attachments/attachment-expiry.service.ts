import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { AttachmentsRepository } from './attachments.repository';
import { BlobDirectory } from './blob-directory';

const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 500;
/** An upload file untouched this long belongs to a process that died mid-upload (an active one writes continuously). */
const STALE_UPLOAD_MS = 3_600_000;

/**
 * Deletes attachments past their expiry (ATTACHMENT_TTL_SECONDS): the file
 * first, then its row, so a crash in between leaves a row whose file is
 * gone (never served: it is expired) rather than a file nobody will ever
 * delete. Reads already skip expired rows, so the sweep only reclaims
 * space. Every process may run it; the deletes are idempotent.
 */
@Injectable()
export class AttachmentExpiryService {
  private readonly logger = new Logger(AttachmentExpiryService.name);

  constructor(
    private readonly attachments: AttachmentsRepository,
    private readonly blobs: BlobDirectory,
    private readonly clock: Clock,
  ) {}

  /** Returns how many expired attachments it deleted. */
  @Interval(SWEEP_INTERVAL_MS)
  async sweep(): Promise<number> {
    const now = this.clock.now();
    let total = 0;
    try {
      for (let found = SWEEP_BATCH; found === SWEEP_BATCH;) {
        const ids = await this.attachments.findExpired(new Date(now), SWEEP_BATCH);
        for (const id of ids) await this.blobs.remove(id);
        if (ids.length) total += await this.attachments.deleteRows(ids);
        found = ids.length;
      }
      await this.blobs.removeStaleUploads(now - STALE_UPLOAD_MS);
    } catch (error) {
      this.logger.warn({ err: error }, 'attachment expiry sweep failed');
    }
    if (total > 0) this.logger.log(`deleted ${total} expired attachments`);
    return total;
  }
}
