import { IsString, Matches, MaxLength } from 'class-validator';
import {
  OPAQUE_MESSAGE_PATTERN,
  PinLoginFinishRequest,
  PinLoginFinishResponse,
  PinLoginStartRequest,
  PinLoginStartResponse,
  PinRegistrationRequest,
  PinRegistrationResponse,
  SetPinRequest,
} from '@parley/protocol';
import { CANONICAL_BASE64 } from '../../common/base64-key.validator';

const OPAQUE_MESSAGE = { message: '$property must be an OPAQUE message (unpadded base64url)' };

export class PinRegistrationDto implements PinRegistrationRequest {
  /** OPAQUE registration request (@serenity-kit/opaque client.startRegistration). */
  @IsString()
  @Matches(OPAQUE_MESSAGE_PATTERN, OPAQUE_MESSAGE)
  registrationRequest: string;
}

export class PinRegistrationResponseDto implements PinRegistrationResponse {
  registrationResponse: string;
}

export class SetPinDto implements SetPinRequest {
  /** OPAQUE registration record (client.finishRegistration). */
  @IsString()
  @Matches(OPAQUE_MESSAGE_PATTERN, OPAQUE_MESSAGE)
  registrationRecord: string;
  /** The recovery key sealed with a key from the OPAQUE export key, padded base64, at most 256 bytes. */
  @IsString()
  @MaxLength(344)
  @Matches(CANONICAL_BASE64, { message: 'wrappedKey must be padded base64' })
  wrappedKey: string;
}

export class PinLoginStartDto implements PinLoginStartRequest {
  /** OPAQUE login request (client.startLogin). */
  @IsString()
  @Matches(OPAQUE_MESSAGE_PATTERN, OPAQUE_MESSAGE)
  startLoginRequest: string;
}

export class PinLoginStartResponseDto implements PinLoginStartResponse {
  loginResponse: string;
  /** Guesses left after this one; at 0 a wrong PIN deletes the wrapped key. */
  attemptsLeft: number;
}

export class PinLoginFinishDto implements PinLoginFinishRequest {
  /** OPAQUE login finalization (client.finishLogin). */
  @IsString()
  @Matches(OPAQUE_MESSAGE_PATTERN, OPAQUE_MESSAGE)
  finishLoginRequest: string;
}

export class PinLoginFinishResponseDto implements PinLoginFinishResponse {
  /** The wrapped recovery key, base64. */
  wrappedKey: string;
}
