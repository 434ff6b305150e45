import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { Limits, PreKey, SignedPreKey, UploadKeysRequest } from '@parley/protocol';
import { IsBase64Bytes } from '../../common/base64-key.validator';

/** libsignal's serialized key type bytes. */
const EC_KEY_TYPE = 0x05;
const KYBER_1024_KEY_TYPE = 0x08;

export class PreKeyDto implements PreKey {
  /** 1 .. 2^24-1 */
  @IsInt()
  @Min(Limits.keyIdMin)
  @Max(Limits.keyIdMax)
  keyId: number;

  /** Serialized EC public key, 33 bytes (0x05 + 32), base64. */
  @IsBase64Bytes(Limits.ecPublicKeyBytes, EC_KEY_TYPE)
  publicKey: string;
}

export class SignedPreKeyDto extends PreKeyDto implements SignedPreKey {
  /** XEdDSA signature by the identity key over the serialized public key, 64 bytes, base64. */
  @IsBase64Bytes(Limits.signatureBytes)
  signature: string;
}

export class KyberPreKeyDto implements SignedPreKey {
  /** 1 .. 2^24-1; shares one id space with the device's last-resort Kyber key. */
  @IsInt()
  @Min(Limits.keyIdMin)
  @Max(Limits.keyIdMax)
  keyId: number;

  /** Serialized Kyber-1024 public key, 1569 bytes (0x08 + 1568), base64. */
  @IsBase64Bytes(Limits.kyberPublicKeyBytes, KYBER_1024_KEY_TYPE)
  publicKey: string;

  /** XEdDSA signature by the identity key over the serialized public key, 64 bytes, base64. */
  @IsBase64Bytes(Limits.signatureBytes)
  signature: string;
}

/** Key material that PUT /v1/keys and POST /v1/devices share. */
/** An optional list of one-time keys: objects only, at most 100 (413 too_many_keys, see the validation pipe). */
export function OneTimeKeyList(type: () => new () => object) {
  return applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(Limits.maxKeysPerList),
    IsObject({ each: true }),
    ValidateNested({ each: true }),
    Type(type),
  );
}

export class UploadKeysDto implements UploadKeysRequest {
  // IsObject: ValidateNested alone validates the elements of an array given in place of a key.
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SignedPreKeyDto)
  signedPreKey?: SignedPreKeyDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => KyberPreKeyDto)
  pqLastResortPreKey?: KyberPreKeyDto;

  /** At most 100 per request (413 too_many_keys). */
  @OneTimeKeyList(() => PreKeyDto)
  preKeys?: PreKeyDto[];

  /** At most 100 per request (413 too_many_keys). */
  @OneTimeKeyList(() => KyberPreKeyDto)
  pqPreKeys?: KyberPreKeyDto[];
}

export class KeyCountDto {
  preKeys: number;
  pqPreKeys: number;
}
