import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice, AuthenticatedUser } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { DeviceIdPipe } from '../common/device-id.pipe';
import { CreateDeviceDto, CreateDeviceResponseDto, ListDevicesResponseDto, RemoveDeviceDto } from './dto/device.dto';
import { DevicesService } from './devices.service';

@ApiTags('devices')
@Controller('v1/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @HttpCode(201)
  @Authenticated({ device: false })
  @ApiOperation({
    summary:
      'Register a device with its identity key, prekeys and the next device list signed by the account identity; answers tokens scoped to the new device',
  })
  @ApiResponse({ status: 201, type: CreateDeviceResponseDto })
  @ApiErrors({
    400: 'invalid_key, invalid_signature (a prekey, or the device list), invalid_device_list (wrong address, another account identity, or not the current devices plus this one), validation_failed or unknown_field; nothing stored.',
    403: 'device_limit_reached.',
    409: 'duplicate_key_id (a key id repeats within a list), identity_key_taken (the identity key is another device’s), or stale_device_list (the list is not exactly one version newer: body has currentVersion); nothing stored.',
    413: 'too_many_keys: more than 100 keys in one list.',
  })
  createDevice(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateDeviceDto) {
    return this.devices.createDevice(user, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "The account's devices, its current signed device list and the id the next device will get" })
  @ApiResponse({ status: 200, type: ListDevicesResponseDto })
  listDevices(@CurrentUser() device: AuthenticatedDevice) {
    return this.devices.listDevices(device);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({
    summary:
      'Remove a device of the same account, with the device list without it signed by the account identity: its keys, queue and tokens are gone at once',
  })
  @ApiResponse({ status: 204, description: 'Removed.' })
  @ApiErrors({
    400: 'deviceId is not a decimal integer, invalid_device_list, invalid_signature or validation_failed; nothing changed.',
    404: 'unknown_device: no such device on this account.',
    409: 'stale_device_list: the list is not exactly one version newer (body has currentVersion); nothing changed.',
  })
  removeDevice(
    @CurrentUser() device: AuthenticatedDevice,
    @Param('deviceId', DeviceIdPipe) deviceId: number,
    @Body() dto: RemoveDeviceDto,
  ) {
    return this.devices.removeDevice(device, deviceId, dto);
  }
}
