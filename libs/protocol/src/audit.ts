/**
 * An account's security audit log (docs/API.md, "Audit log"): append-only
 * and hash-chained, so a device that remembers the newest hash it has seen
 * notices when the history behind it is rewritten.
 */
export const AUDIT_CONTEXT = 'parley-audit-v1';

export type AuditKind =
  | 'device_added'
  | 'device_removed'
  | 'login'
  | 'login_failed'
  | 'device_challenge'
  | 'device_login'
  | 'refresh_reuse'
  | 'keys_uploaded'
  | 'account_reset'
  | 'key_log_alarm';

/** What a device's key log monitor found against this account (API.md, "Audit log"). */
export type KeyLogAlarmReason = 'key_log_unknown_leaf' | 'key_log_fork';
export const KEY_LOG_ALARM_REASONS: readonly KeyLogAlarmReason[] = ['key_log_unknown_leaf', 'key_log_fork'];

/** POST /v1/account/audit/alarms: a device reports what its key log monitor found, for the account's other devices to see. */
export interface ReportKeyLogAlarmRequest {
  reason: KeyLogAlarmReason;
  /** The monitor's own words, at most 500 characters. */
  message: string;
}

export type AuditDetail = Record<string, string | number | boolean>;

export interface AuditEntry {
  /** 1, 2, 3, … per account. */
  seq: number;
  /** When it happened, ms since the epoch. */
  at: number;
  kind: AuditKind;
  detail: AuditDetail;
  /** base64 SHA-256 over the previous entry's hash (32 zero bytes for the first) and encodeAuditEntry(this). */
  hash: string;
}

export interface AuditLogResponse {
  entries: AuditEntry[];
  /** More entries follow the last one: ask again with `after` = its seq. */
  more: boolean;
}

/**
 * The bytes an entry's hash covers after the previous hash: UTF-8 lines
 * joined by "\n": AUDIT_CONTEXT, seq, at, kind, then the detail as JSON
 * with its keys in sorted order.
 */
export function encodeAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const detail = Object.fromEntries(
    Object.keys(entry.detail)
      .sort()
      .map((k) => [k, entry.detail[k]]),
  );
  return [AUDIT_CONTEXT, String(entry.seq), String(entry.at), entry.kind, JSON.stringify(detail)].join('\n');
}
