import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import type { PushSubscriptionRequest, PushSubscriptionStatus, VapidKeyResponse } from '@parley/protocol';

/** base64url, unpadded or padded, as browsers and UnifiedPush distributors write it. */
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
/** Long enough for every push service's URLs (FCM's are about 200 characters); bounded, as everything a device makes the server store. */
const ENDPOINT_MAX = 2048;

export class PushSubscriptionKeysDto {
  /** base64url of the subscription's 65-byte uncompressed P-256 public key (RFC 8291 `p256dh`). */
  @IsString()
  @MaxLength(128)
  @Matches(BASE64URL, { message: 'p256dh must be base64url' })
  p256dh: string;

  /** base64url of its 16-byte authentication secret (RFC 8291 `auth`). */
  @IsString()
  @MaxLength(64)
  @Matches(BASE64URL, { message: 'auth must be base64url' })
  auth: string;
}

export class PushSubscriptionDto implements PushSubscriptionRequest {
  /** The push service's https:// URL for this device (RFC 8030); it must resolve to public addresses only. At most 2048 characters. */
  @IsString()
  @MaxLength(ENDPOINT_MAX)
  endpoint: string;

  /** Ignored; accepted because a browser's `PushSubscription.toJSON()` carries it. */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @ApiProperty({ type: 'number', nullable: true, required: false })
  expirationTime?: number | null;

  @IsDefined()
  @ValidateNested()
  @Type(() => PushSubscriptionKeysDto)
  keys: PushSubscriptionKeysDto;
}

export class PushSubscriptionStatusDto implements PushSubscriptionStatus {
  endpoint: string;
  /** When the subscription was registered, ms since the epoch. */
  createdAt: number;
  /** The last wake-up its push service accepted, ms since the epoch; null: none yet. */
  @ApiProperty({ type: 'number', nullable: true })
  lastSuccessAt: number | null;
  /** The last wake-up that failed for good (refused, or retries exhausted), ms since the epoch; null: none. */
  @ApiProperty({ type: 'number', nullable: true })
  lastFailureAt: number | null;
  /** The push service's HTTP status for that failure; null when it did not answer. */
  @ApiProperty({ type: 'number', nullable: true })
  lastFailureStatus: number | null;
  /** When the push service answered 404 or 410 (the subscription is gone); no wake-ups after it until the device registers again. */
  @ApiProperty({ type: 'number', nullable: true })
  droppedAt: number | null;
}

export class VapidKeyDto implements VapidKeyResponse {
  /** base64url (unpadded) of the server's 65-byte uncompressed P-256 VAPID public key: a browser's `applicationServerKey`. */
  publicKey: string;
}
