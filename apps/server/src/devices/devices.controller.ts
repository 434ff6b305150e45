import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice, AuthenticatedUser } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { DeviceIdPipe } from '../common/device-id.pipe';
import { CreateDeviceDto, CreateDeviceResponseDto, ListDevicesResponseDto } from './dto/device.dto';
import { DevicesService } from './devices.service';

@ApiTags('devices')
@Controller('v1/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @HttpCode(201)
  @Authenticated({ device: false })
  @ApiOperation({ summary: 'Register a device with its identity key and prekeys; answers tokens scoped to the new device' })
  @ApiResponse({ status: 201, type: CreateDeviceResponseDto })
  @ApiErrors({
    400: 'invalid_key, invalid_signature, validation_failed or unknown_field; nothing stored.',
    403: 'device_limit_reached.',
    409: 'duplicate_key_id: a key id repeats within a list.',
    413: 'too_many_keys: more than 100 keys in one list.',
  })
  createDevice(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreateDeviceDto) {
    return this.devices.createDevice(user, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "List the account's devices" })
  @ApiResponse({ status: 200, type: ListDevicesResponseDto })
  async listDevices(@CurrentUser() device: AuthenticatedDevice) {
    return { devices: await this.devices.listDevices(device) };
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: 'Remove a device of the same account: its keys, queue and tokens are gone at once' })
  @ApiResponse({ status: 204, description: 'Removed.' })
  @ApiErrors({ 400: 'deviceId is not a decimal integer.', 404: 'unknown_device: no such device on this account.' })
  removeDevice(@CurrentUser() device: AuthenticatedDevice, @Param('deviceId', DeviceIdPipe) deviceId: number) {
    return this.devices.removeDevice(device, deviceId);
  }
}
