import { Module } from '@nestjs/common';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { AttachmentExpiryService } from './attachment-expiry.service';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsRepository } from './attachments.repository';
import { AttachmentsService } from './attachments.service';
import { BlobDirectory } from './blob-directory';

/** Encrypted attachments: a bounded, expiring blob store (files in ATTACHMENTS_DIR, rows in the database). */
@Module({
  controllers: [AttachmentsController],
  providers: [
    AttachmentsService,
    AttachmentsRepository,
    AttachmentExpiryService,
    { provide: BlobDirectory, useFactory: (config: ParleyConfig) => new BlobDirectory(config.attachmentsDir), inject: [PARLEY_CONFIG] },
  ],
})
export class AttachmentsModule {}
