import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { BackupResponse, PutBackupRequest, PutBackupResponse } from '@parley/protocol';
import { CANONICAL_BASE64 } from '../../common/base64-key.validator';

export class PutBackupDto implements PutBackupRequest {
  /** The sealed backup, padded base64; at most BACKUP_MAX_BYTES once decoded (413 backup_too_large). */
  @IsString()
  @MinLength(4)
  @Matches(CANONICAL_BASE64, { message: 'ciphertext must be padded base64' })
  ciphertext: string;
  /** The version the client last saw: 0 to create the backup, else its current version. */
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 2)
  expectedVersion: number;
}

export class PutBackupResponseDto implements PutBackupResponse {
  /** The stored backup's version: expectedVersion + 1. */
  version: number;
}

export class BackupResponseDto implements BackupResponse {
  /** The sealed backup exactly as uploaded, base64. */
  ciphertext: string;
  version: number;
}
