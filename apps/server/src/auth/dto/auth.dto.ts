import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ChallengeRequest, DeviceLoginRequest, Limits, LoginRequest, RefreshRequest } from '@parley/protocol';
import { IsBase64Bytes } from '../../common/base64-key.validator';

export class LoginDto implements LoginRequest {
  @IsString()
  @MaxLength(64)
  username: string;

  @IsString()
  @MaxLength(Limits.passwordMaxLength)
  password: string;
}

export class TokenPairDto {
  accessToken: string;
  refreshToken: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
}

export class RefreshDto implements RefreshRequest {
  @IsString()
  @MaxLength(512)
  refreshToken: string;
}

export class ChallengeDto implements ChallengeRequest {
  @IsString()
  @Matches(Limits.usernamePattern)
  username: string;

  @IsInt()
  @Min(1)
  @Max(127)
  deviceId: number;
}

export class ChallengeResponseDto {
  /** 32 random bytes, base64; single use, valid 60 s. */
  challenge: string;
}

export class DeviceLoginDto implements DeviceLoginRequest {
  @IsString()
  @Matches(Limits.usernamePattern)
  username: string;

  @IsInt()
  @Min(1)
  @Max(127)
  deviceId: number;

  @IsBase64Bytes(Limits.challengeBytes)
  challenge: string;

  /** XEdDSA signature by the device's identity key over `parley-login-v1:` + challenge bytes. */
  @IsBase64Bytes(Limits.signatureBytes)
  signature: string;
}
