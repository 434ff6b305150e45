import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsInt, IsObject, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DeviceListEntry, Limits, SignedDeviceList } from '@parley/protocol';
import { IsBase64Bytes } from '../../common/base64-key.validator';

const SIGNATURE_BYTES = 64;

export class DeviceListEntryDto implements DeviceListEntry {
  @IsInt()
  @Min(1)
  @Max(127)
  deviceId: number;

  @IsInt()
  @Min(Limits.registrationIdMin)
  @Max(Limits.registrationIdMax)
  registrationId: number;

  /** The device's identity public key, 33 bytes, base64. */
  @IsBase64Bytes(Limits.ecPublicKeyBytes, 0x05)
  identityKey: string;
}

/** A device list signed by the account identity (docs/API.md, "Signed device lists"). */
export class SignedDeviceListDto implements SignedDeviceList {
  /** `username@domain` of the account, as its home server names it. */
  @IsString()
  @MaxLength(300)
  address: string;

  /** The account identity public key, 33 bytes, base64. */
  @IsBase64Bytes(Limits.ecPublicKeyBytes, 0x05)
  accountIdentityKey: string;

  /** 1 for the first list, one more for every change. */
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  version: number;

  /** When the signer made the list, ms since the epoch. */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  timestamp: number;

  @IsArray()
  @ArrayMaxSize(127)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => DeviceListEntryDto)
  devices: DeviceListEntryDto[];

  /** XEdDSA signature by the account identity key over the list's encoding, 64 bytes, base64. */
  @IsBase64Bytes(SIGNATURE_BYTES)
  signature: string;
}

/** A body carrying the next signed list; IsDefined and IsObject because ValidateNested alone passes a missing value. */
export function DeviceListField() {
  return (target: object, property: string) => {
    IsDefined()(target, property);
    IsObject()(target, property);
    ValidateNested()(target, property);
    Type(() => SignedDeviceListDto)(target, property);
  };
}
