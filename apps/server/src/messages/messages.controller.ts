import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { MessageListDto, SendMessagesDto } from './dto/send-messages.dto';
import { DeviceQueueService } from './device-queue.service';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@Controller('v1/messages')
@Authenticated()
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly queue: DeviceQueueService,
  ) {}

  @Put(':address')
  @ApiOperation({ summary: 'Send one ciphertext to every current device of an account (and sync copies to your own other devices)' })
  @ApiResponse({ status: 200, description: 'Every envelope is durably stored (or, with online: true, handed to connected devices).' })
  @ApiResponse({ status: 202, description: 'Remote recipient: its server is unreachable now; the send is kept and retried.' })
  @ApiErrors({
    400: 'validation_failed or unknown_field; nothing stored.',
    404: 'unknown_address (unknown_peer: a domain this server does not federate with).',
    409: 'mismatched_devices: body lists missingDevices and extraDevices; nothing stored.',
    410: 'stale_devices: body lists staleDevices whose registrationId changed; nothing stored.',
    413: 'payload_too_large: a content over 256 KiB or a request over 2 MiB.',
    429: 'rate_limited (this device sends too fast, or this account too much to this recipient), queue_full (a destination queue is full) or queue_share_full (your undelivered envelopes fill your share of a destination queue); nothing stored; see Retry-After.',
  })
  async sendMessages(
    @CurrentUser() device: AuthenticatedDevice,
    @Param('address') address: string,
    @Body() dto: SendMessagesDto,
    @Res({ passthrough: true }) response: Response,
  ) {
    const outcome = await this.messages.sendMessages(device, address, dto);
    response.status(outcome.status);
    return outcome.body;
  }

  @Get()
  @ApiOperation({ summary: 'The oldest queued envelopes of this device (at most 100), without removing them' })
  @ApiResponse({ status: 200, type: MessageListDto })
  listMessages(@CurrentUser() device: AuthenticatedDevice) {
    return this.queue.listQueue(device);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Acknowledge an envelope: it is deleted; idempotent, and only this device's own" })
  @ApiResponse({ status: 204, description: 'Gone (or never was this device’s).' })
  @ApiErrors({ 400: 'id is not a UUID.' })
  acknowledge(@CurrentUser() device: AuthenticatedDevice, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.queue.acknowledge(device, id);
  }
}
