/**
 * Every machine-readable `error` value the server can answer with.
 * Shared by the server's exception filter and the SDK, so a client can
 * switch on them without string literals drifting (API.md, Conventions).
 */
export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  UnknownField = 'unknown_field',
  InvalidKey = 'invalid_key',
  InvalidSignature = 'invalid_signature',
  PayloadTooLarge = 'payload_too_large',
  TooManyKeys = 'too_many_keys',
  DuplicateKeyId = 'duplicate_key_id',
  InvalidDeviceList = 'invalid_device_list',
  StaleDeviceList = 'stale_device_list',
  IdentityKeyTaken = 'identity_key_taken',
  SlotUsed = 'slot_used',
  UsernameTaken = 'username_taken',
  InvalidCredentials = 'invalid_credentials',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  DeviceLimitReached = 'device_limit_reached',
  DeviceTokenRequired = 'device_token_required',
  NotFound = 'not_found',
  UnknownAddress = 'unknown_address',
  UnknownDevice = 'unknown_device',
  RateLimited = 'rate_limited',
  MismatchedDevices = 'mismatched_devices',
  StaleDevices = 'stale_devices',
  QueueFull = 'queue_full',
  /** The sender's own envelopes fill its share of a destination device's queue; other senders still get through. */
  QueueShareFull = 'queue_share_full',
  /** Attachments (API.md section 7). */
  AttachmentTooLarge = 'attachment_too_large',
  AttachmentQuotaExceeded = 'attachment_quota_exceeded',
  UnsupportedMediaType = 'unsupported_media_type',
  LengthRequired = 'length_required',
  /** Backups (API.md section 10). */
  BackupTooLarge = 'backup_too_large',
  BackupVersionConflict = 'backup_version_conflict',
  /** The key log (API.md section 8). */
  TreeSizeOutOfRange = 'tree_size_out_of_range',
  LeafIndexOutOfRange = 'leaf_index_out_of_range',
  /** Witnessing (docs/FEDERATION.md, "Witnessing key logs"; the tlog-witness statuses). */
  UnknownLog = 'unknown_log',
  InvalidCheckpointSignature = 'invalid_checkpoint_signature',
  OldSizeMismatch = 'old_size_mismatch',
  InconsistentCheckpoint = 'inconsistent_checkpoint',
  LogEquivocated = 'log_equivocated',
  /** Push (API.md section 9): an endpoint that is not https:// or resolves to a private address. */
  PushEndpointRefused = 'push_endpoint_refused',
  UnknownPeer = 'unknown_peer',
  PeerUnavailable = 'peer_unavailable',
  ServiceUnavailable = 'service_unavailable',
  InternalError = 'internal_error',
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: ErrorCode | string;
  message: string;
  requestId?: string;
}

/** 409 body on message sends (API.md section 3). */
export interface MismatchedDevicesBody extends ErrorBody {
  error: ErrorCode.MismatchedDevices;
  missingDevices: number[];
  extraDevices: number[];
}

/** 410 body on message sends (API.md section 3). */
export interface StaleDevicesBody extends ErrorBody {
  error: ErrorCode.StaleDevices;
  staleDevices: number[];
}
