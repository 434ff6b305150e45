import { Body, Controller, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { PushSubscriptionDto, PushSubscriptionStatusDto, VapidKeyDto } from './dto/push-subscription.dto';
import { PushService } from './push.service';
import { VapidKeys } from './vapid-keys.service';

@ApiTags('push')
@Controller('v1/push')
export class PushController {
  constructor(
    private readonly push: PushService,
    private readonly vapid: VapidKeys,
  ) {}

  @Get('vapid-key')
  @Authenticated({ device: false })
  @ApiOperation({ summary: "The server's VAPID public key: subscribe with it as applicationServerKey" })
  @ApiResponse({ status: 200, type: VapidKeyDto, description: 'The same key on every process and across restarts.' })
  vapidKey(): VapidKeyDto {
    return { publicKey: this.vapid.publicKey };
  }

  @Put('subscription')
  @Authenticated()
  @ApiOperation({ summary: "Register or replace this device's Web Push subscription: wake-ups while it is not connected" })
  @ApiResponse({
    status: 200,
    type: PushSubscriptionStatusDto,
    description: 'Stored, replacing any earlier one; its history starts clean.',
  })
  @ApiErrors({
    400:
      'validation_failed: a malformed body; invalid_key: p256dh is not a P-256 point or auth not 16 bytes; ' +
      'push_endpoint_refused: the endpoint is not https://, does not resolve, or resolves to a loopback, private, link-local or unique-local address. Nothing is stored.',
  })
  register(@CurrentUser() device: AuthenticatedDevice, @Body() body: PushSubscriptionDto) {
    return this.push.register(device, body);
  }

  @Delete('subscription')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: "Remove this device's push subscription (idempotent)" })
  @ApiResponse({ status: 204, description: 'No wake-ups from now on.' })
  remove(@CurrentUser() device: AuthenticatedDevice) {
    return this.push.remove(device);
  }

  @Get('subscription')
  @Authenticated()
  @ApiOperation({ summary: "This device's push subscription and what its push service last answered" })
  @ApiResponse({
    status: 200,
    type: PushSubscriptionStatusDto,
    description: 'droppedAt set: the push service said it is gone; register again.',
  })
  @ApiErrors({ 404: 'not_found: this device has no push subscription.' })
  status(@CurrentUser() device: AuthenticatedDevice) {
    return this.push.status(device);
  }
}
