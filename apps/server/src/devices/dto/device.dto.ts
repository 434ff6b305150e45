import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsObject, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { AccountResetInfo, CreateDeviceRequest, DeviceInfo, Limits, RemoveDeviceRequest } from '@parley/protocol';
import { DeviceListField, SignedDeviceListDto } from '../../accounts/dto/device-list.dto';
import { IsBase64Bytes } from '../../common/base64-key.validator';
import { KyberPreKeyDto, OneTimeKeyList, PreKeyDto, SignedPreKeyDto } from '../../keys/dto/prekey.dto';
import { TokenPairDto } from '../../auth/dto/auth.dto';

export class CreateDeviceDto implements CreateDeviceRequest {
  /** A label for people, e.g. "laptop". 1 to 64 characters, no control characters. */
  @IsString()
  @MinLength(1)
  @MaxLength(Limits.deviceNameMaxLength)
  @Matches(/^\P{Cc}*$/u, { message: 'name must not contain control characters' })
  name: string;

  /** libsignal registration id, 1..16380. */
  @IsInt()
  @Min(Limits.registrationIdMin)
  @Max(Limits.registrationIdMax)
  registrationId: number;

  /** The device's identity public key, 33 bytes (0x05 + 32), base64. */
  @IsBase64Bytes(Limits.ecPublicKeyBytes, 0x05)
  identityKey: string;

  // IsDefined and IsObject: ValidateNested alone passes a missing value and validates an array's elements.
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SignedPreKeyDto)
  signedPreKey: SignedPreKeyDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => KyberPreKeyDto)
  pqLastResortPreKey: KyberPreKeyDto;

  /** At most 100 (413 too_many_keys). */
  @OneTimeKeyList(() => PreKeyDto)
  preKeys?: PreKeyDto[];

  /** At most 100 (413 too_many_keys). */
  @OneTimeKeyList(() => KyberPreKeyDto)
  pqPreKeys?: KyberPreKeyDto[];

  /** The account's device list with this device added (id: GET /v1/devices `nextDeviceId`, 1 for a new account), one version newer. */
  @DeviceListField()
  deviceList: SignedDeviceListDto;
}

export class RemoveDeviceDto implements RemoveDeviceRequest {
  /** The account's device list without the device being removed, one version newer. */
  @DeviceListField()
  deviceList: SignedDeviceListDto;
}

export class CreateDeviceResponseDto extends TokenPairDto {
  deviceId: number;
}

export class DeviceInfoDto implements DeviceInfo {
  deviceId: number;
  name: string;
  registrationId: number;
  createdAt: string;
  lastSeenAt: string | null;
}

export class ListDevicesResponseDto {
  devices: DeviceInfoDto[];
  /** The current signed device list; null before the first one. */
  deviceList: SignedDeviceListDto | null;
  /** The id the next registered device gets: the id a signer puts into the next list. */
  nextDeviceId: number;
}

export class AccountResetInfoDto implements AccountResetInfo {
  /** Version of the current list (0 before the first): a reset list is version currentVersion + 1. */
  currentVersion: number;
  /** The id the reset's new device gets: the only device its list names. */
  nextDeviceId: number;
  /** The current signed list (null before the first): a device restored from a backup signs the next one from it. */
  deviceList: SignedDeviceListDto | null;
}
