import { Controller, Get, HttpCode, Param, Post, Req, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ATTACHMENT_CONTENT_TYPE } from '@parley/protocol';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { AttachmentsService } from './attachments.service';
import { AttachmentUploadDto } from './dto/attachment.dto';

@ApiTags('attachments')
@Controller('v1/attachments')
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  @Post()
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: 'Upload an encrypted attachment: the raw ciphertext, kept until expiresAt' })
  @ApiConsumes(ATTACHMENT_CONTENT_TYPE)
  @ApiBody({ schema: { type: 'string', format: 'binary' }, description: 'The ciphertext as is (not base64), with a Content-Length.' })
  @ApiResponse({ status: 201, type: AttachmentUploadDto, description: 'Stored whole; the id names it until it expires.' })
  @ApiErrors({
    400: 'validation_failed: an empty body, or one that ended before its Content-Length.',
    411: 'length_required: no Content-Length (chunked uploads are refused).',
    413: 'attachment_too_large: longer than ATTACHMENT_MAX_BYTES (`maxBytes`); nothing is read or stored.',
    415: 'unsupported_media_type: the body is not application/octet-stream.',
    429: "attachment_quota_exceeded: the account's live attachments would exceed ATTACHMENT_QUOTA_BYTES; Retry-After says when its oldest expires.",
  })
  upload(@CurrentUser() device: AuthenticatedDevice, @Req() request: Request) {
    return this.attachments.upload(device, {
      contentType: request.headers['content-type'],
      contentLength: request.headers['content-length'],
      body: request,
    });
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ summary: 'Download an attachment by id (any device: the id is the capability)' })
  @ApiProduces(ATTACHMENT_CONTENT_TYPE)
  @ApiResponse({ status: 200, description: 'The ciphertext exactly as uploaded; check its digest before use.' })
  @ApiErrors({ 400: 'validation_failed: the id is not 32 lower-case hex digits.', 404: 'not_found: no such attachment, or it expired.' })
  async download(@Param('id') id: string) {
    const { stream, size } = await this.attachments.open(id);
    return new StreamableFile(stream, { type: ATTACHMENT_CONTENT_TYPE, length: size });
  }
}
