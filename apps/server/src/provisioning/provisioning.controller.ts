import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice, AuthenticatedUser } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { ProvisioningEnvelopeDto, ProvisioningSlotDto } from './dto/provisioning.dto';
import { ProvisioningService } from './provisioning.service';

@ApiTags('devices')
@Controller('v1/provisioning')
export class ProvisioningController {
  constructor(private readonly provisioning: ProvisioningService) {}

  @Post()
  @HttpCode(201)
  @Authenticated({ device: false })
  @ApiOperation({ summary: 'Open a linking slot (new device, account token): its id goes into the linking code the device shows' })
  @ApiResponse({ status: 201, type: ProvisioningSlotDto })
  openSlot(@CurrentUser() user: AuthenticatedUser) {
    return this.provisioning.openSlot(user);
  }

  @Put(':slotId')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: 'Approve a new device (existing device): leave the provisioning message sealed to its identity key' })
  @ApiResponse({ status: 204, description: 'Stored until the new device collects it.' })
  @ApiErrors({
    400: 'slotId is not a UUID, or the message is not base64 of at most 16 KiB.',
    404: 'not_found: no open slot with this id on this account (unknown, expired or collected).',
    409: 'slot_used: the slot already holds a message.',
  })
  leaveMessage(
    @CurrentUser() device: AuthenticatedDevice,
    @Param('slotId', new ParseUUIDPipe()) slotId: string,
    @Body() dto: ProvisioningEnvelopeDto,
  ) {
    return this.provisioning.leaveMessage(device, slotId, dto);
  }

  @Get(':slotId')
  @Authenticated({ device: false })
  @ApiOperation({ summary: 'Collect the provisioning message (new device, polling): answered once, then the slot is gone' })
  @ApiResponse({ status: 200, type: ProvisioningEnvelopeDto, description: 'The sealed message; the slot is deleted.' })
  @ApiResponse({ status: 204, description: 'Not approved yet; ask again shortly.' })
  @ApiErrors({ 400: 'slotId is not a UUID.', 404: 'not_found: no open slot with this id on this account (unknown, expired or collected).' })
  async collectMessage(
    @CurrentUser() user: AuthenticatedUser,
    @Param('slotId', new ParseUUIDPipe()) slotId: string,
    @Res({ passthrough: true }) response: Response,
  ) {
    const envelope = await this.provisioning.collectMessage(user, slotId);
    if (!envelope) response.status(204);
    return envelope ?? undefined;
  }
}
