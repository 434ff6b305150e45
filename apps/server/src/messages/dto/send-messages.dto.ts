import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { Limits, OutgoingMessage, SendMessagesRequest } from '@parley/protocol';
import { MaxDecodedBytes } from '../../common/base64-key.validator';

/** libsignal CiphertextMessageType: 2 whisper, 3 prekey, 7 sender key, 8 plaintext. */
export const CIPHERTEXT_TYPES = [2, 3, 7, 8];
/** A libsignal PlaintextContent, e.g. a DecryptionErrorMessage asking for a resend. */
export const PLAINTEXT_CONTENT_TYPE = 8;
/** Device ids are 1-127, so a fan-out has at most 127 messages. */
export const MAX_DEVICE_ID = 127;
/** base64, padded or not (MaxDecodedBytes bounds its length). */
export const BASE64_CONTENT = /^[A-Za-z0-9+/]*={0,2}$/;

export class OutgoingMessageDto implements OutgoingMessage {
  @IsInt()
  @Min(1)
  @Max(MAX_DEVICE_ID)
  destinationDeviceId: number;

  @IsInt()
  @Min(Limits.registrationIdMin)
  @Max(Limits.registrationIdMax)
  destinationRegistrationId: number;

  /** libsignal CiphertextMessageType of `content`; passed through. */
  @IsIn(CIPHERTEXT_TYPES)
  type: number;

  /** The ciphertext, base64; at most 256 KiB decoded (413). */
  @IsString()
  @Matches(BASE64_CONTENT, { message: 'must be base64' })
  @MaxDecodedBytes(Limits.maxContentBytes)
  content: string;
}

export class SendMessagesDto implements SendMessagesRequest {
  /**
   * The sender's timestamp (ms since epoch), passed through to recipients.
   * At most 2^53 - 1: larger values lose precision in JSON and overflow the
   * bigint column (a 500 otherwise).
   */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  timestamp: number;

  /** Deliver only to connected devices and never store. */
  @IsOptional()
  @IsBoolean()
  online?: boolean;

  /** Default true. false: a device that is not connected is woken with low urgency (API.md section 9). */
  @IsOptional()
  @IsBoolean()
  urgent?: boolean;

  /**
   * Chosen by the client, one per message it means to send; a retry with
   * the same key (and destination) within a day is answered as the first
   * send was and stores nothing.
   */
  @IsOptional()
  @IsString()
  @Matches(Limits.idempotencyKeyPattern, { message: 'idempotencyKey must be 1-64 characters of A-Z a-z 0-9 _ -' })
  idempotencyKey?: string;

  /** Exactly one entry per current device of the destination (except the sending device). */
  @IsArray()
  @ArrayMaxSize(MAX_DEVICE_ID)
  @ValidateNested({ each: true })
  @Type(() => OutgoingMessageDto)
  @ArrayUnique((m?: OutgoingMessageDto) => m?.destinationDeviceId, { message: 'a device is addressed twice' })
  messages: OutgoingMessageDto[];
}

export class SocketSendDto extends SendMessagesDto {
  /** `username` or `username@domain`. */
  @IsString()
  destination: string;
}

export class MessageListDto {
  messages: unknown[];
  more: boolean;
}
