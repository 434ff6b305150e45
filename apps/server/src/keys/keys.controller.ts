import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ApiErrors } from '../common/api-errors.decorator';
import { DeviceIdPipe } from '../common/device-id.pipe';
import { PreKeyBundleDto } from './dto/bundle.dto';
import { KeyCountDto, UploadKeysDto } from './dto/prekey.dto';
import { KeysService } from './keys.service';

@ApiTags('keys')
@Controller('v1/keys')
@Authenticated()
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Put()
  @HttpCode(204)
  @ApiOperation({ summary: "Upload or replace this device's prekeys" })
  @ApiResponse({ status: 204, description: 'Stored.' })
  @ApiErrors({
    400: 'invalid_key, invalid_signature, validation_failed or unknown_field; nothing stored.',
    409: 'duplicate_key_id: a one-time key id is already stored or repeated; nothing stored.',
    413: 'too_many_keys: more than 100 keys in one list.',
  })
  uploadKeys(@CurrentUser() device: AuthenticatedDevice, @Body() dto: UploadKeysDto) {
    return this.keys.uploadKeys(device, dto);
  }

  @Get('count')
  @ApiOperation({ summary: 'One-time keys still stored for this device' })
  @ApiResponse({ status: 200, type: KeyCountDto })
  countKeys(@CurrentUser() device: AuthenticatedDevice) {
    return this.keys.countKeys(device);
  }

  @Get(':address')
  @ApiOperation({ summary: 'Prekey bundles for every device of an account; consumes one one-time key of each kind per device' })
  @ApiResponse({ status: 200, type: PreKeyBundleDto })
  @ApiErrors({
    404: 'unknown_address (unknown_peer: a domain this server does not federate with).',
    429: 'rate_limited: too many fetches of this target by this account, or of any target (or, remote, refused by that server); see Retry-After.',
    503: 'peer_unavailable: the remote address’s server cannot be reached now; see Retry-After.',
  })
  fetchBundles(@CurrentUser() device: AuthenticatedDevice, @Param('address') address: string) {
    return this.keys.fetchBundle(device, address);
  }

  @Get(':address/:deviceId')
  @ApiOperation({ summary: 'Prekey bundle for one device of an account' })
  @ApiResponse({ status: 200, type: PreKeyBundleDto })
  @ApiErrors({
    400: 'deviceId is not a decimal integer.',
    404: 'unknown_address, unknown_device or unknown_peer.',
    429: 'rate_limited: as for all devices of the account; see Retry-After.',
    503: 'peer_unavailable: the remote address’s server cannot be reached now.',
  })
  fetchDeviceBundle(
    @CurrentUser() device: AuthenticatedDevice,
    @Param('address') address: string,
    @Param('deviceId', DeviceIdPipe) deviceId: number,
  ) {
    return this.keys.fetchBundle(device, address, deviceId);
  }
}
