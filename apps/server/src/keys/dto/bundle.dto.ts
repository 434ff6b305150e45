import { ApiProperty } from '@nestjs/swagger';
import { DeviceBundle, PreKeyBundleResponse } from '@parley/protocol';
import { SignedDeviceListDto } from '../../accounts/dto/device-list.dto';
import { ListInclusionDto } from '../../transparency/dto/key-log.dto';
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
  /** The list's leaf in its server's key log and its inclusion proof against a recent checkpoint (docs/API.md section 8). Null while the leaf waits to be sequenced (about a second at most); absent from a peer without a key log. */
  @ApiProperty({ type: ListInclusionDto, nullable: true, required: false })
  transparency?: ListInclusionDto | null;
}
