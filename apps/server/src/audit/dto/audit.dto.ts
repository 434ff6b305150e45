import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { KEY_LOG_ALARM_REASONS } from '@parley/protocol';
import type { AuditDetail, AuditEntry, AuditKind, AuditLogResponse, KeyLogAlarmReason, ReportKeyLogAlarmRequest } from '@parley/protocol';

const KINDS: AuditKind[] = [
  'device_added',
  'device_removed',
  'login',
  'login_failed',
  'device_challenge',
  'device_login',
  'refresh_reuse',
  'keys_uploaded',
  'account_reset',
  'key_log_alarm',
];

/** Long enough for any monitor's sentence; bounded, as everything an account can make the server store. */
const ALARM_MESSAGE_MAX = 500;

export class AuditEntryDto implements AuditEntry {
  /** 1, 2, 3, … per account. */
  seq: number;
  /** When it happened, ms since the epoch. */
  at: number;
  @ApiProperty({ enum: KINDS })
  kind: AuditKind;
  /** Ids, counts, list versions and coarse networks (IPv4 /24, IPv6 /48); never secrets. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  detail: AuditDetail;
  /** base64 SHA-256 over the previous entry's hash (32 zero bytes before the first) and this entry's encoding (docs/API.md). */
  hash: string;
}

export class AuditLogDto implements AuditLogResponse {
  entries: AuditEntryDto[];
  /** More entries follow: ask again with `after` = the last seq. */
  more: boolean;
}

export class ReportKeyLogAlarmDto implements ReportKeyLogAlarmRequest {
  @ApiProperty({ enum: KEY_LOG_ALARM_REASONS })
  @IsIn(KEY_LOG_ALARM_REASONS)
  reason: KeyLogAlarmReason;
  /** The monitor's own words (at most 500 characters). */
  @IsString()
  @MaxLength(ALARM_MESSAGE_MAX)
  message: string;
}
