import { ApiProperty } from '@nestjs/swagger';
import { DeviceBundle, PreKeyBundleResponse } from '@parley/protocol';
import { SignedDeviceListDto } from '../../accounts/dto/device-list.dto';
import { KyberPreKeyDto, PreKeyDto, SignedPreKeyDto } from './prekey.dto';

export class DeviceBundleDto implements DeviceBundle {
  deviceId: number;
  registrationId: number;
  identityKey: string;
  signedPreKey: SignedPreKeyDto;
  /** A one-time EC prekey, handed out only this once; null when the device has none left. */
  @ApiProperty({ type: PreKeyDto, nullable: true })
  preKey: PreKeyDto | null;
  /** A one-time Kyber prekey, or the device's last-resort Kyber key when none is left. */
  pqPreKey: KyberPreKeyDto;
}

export class PreKeyBundleDto implements PreKeyBundleResponse {
  /** The address as requested, e.g. `bob` or `bob@b.example`. */
  address: string;
  @ApiProperty({ type: [DeviceBundleDto] })
  devices: DeviceBundleDto[];
  /** The account's current device list as its account identity signed it; check every device against it before encrypting. Null only for an account that never had one. */
  @ApiProperty({ type: SignedDeviceListDto, nullable: true })
  deviceList: SignedDeviceListDto | null;
}
