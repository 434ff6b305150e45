import { Inject, Injectable } from '@nestjs/common';
import { BACKUP_ID_PATTERN, BackupResponse, ErrorCode, PutBackupResponse } from '@parley/protocol';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { decodedLength, decodeBase64 } from '../common/base64-key.validator';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { BackupsRepository } from './backups.repository';
import { PutBackupDto } from './dto/backup.dto';

/**
 * Encrypted backups (docs/API.md section 10). The server stores opaque
 * ciphertexts by an id only their owner's recovery key yields; the caller's
 * account is used to rate-limit the request and is never stored with the
 * backup (docs/SECURITY.md, "Backups").
 */
@Injectable()
export class BackupsService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly backups: BackupsRepository,
    private readonly limits: RateLimiterService,
  ) {}

  /** Replaces the backup atomically when `expectedVersion` is its current version (0: create); 409 with `currentVersion` when not. */
  async put(user: AuthenticatedUser, id: string, dto: PutBackupDto): Promise<PutBackupResponse> {
    checkId(id);
    const maxBytes = this.config.backupMaxBytes;
    // Measured before anything is decoded: a refused upload costs no copy of up to 2 MiB.
    if (decodedLength(dto.ciphertext) > maxBytes) {
      throw new ParleyException(ErrorCode.BackupTooLarge, `a backup is at most ${maxBytes} bytes`, { maxBytes });
    }
    await this.limits.enforce('backupWrite', user.accountId);
    const version = await this.backups.replaceIfVersion(id, dto.expectedVersion, decodeBase64(dto.ciphertext)!);
    if (version === null) {
      const currentVersion = await this.backups.currentVersion(id);
      throw new ParleyException(
        ErrorCode.BackupVersionConflict,
        `the backup is at version ${currentVersion}, not ${dto.expectedVersion}: another write came first`,
        { currentVersion },
      );
    }
    return { version };
  }

  async get(user: AuthenticatedUser, id: string): Promise<BackupResponse> {
    checkId(id);
    await this.limits.enforce('backupRead', user.accountId);
    const backup = await this.backups.find(id);
    if (!backup) throw new ParleyException(ErrorCode.NotFound, 'no backup with this id');
    return { ciphertext: backup.ciphertext.toString('base64'), version: backup.version };
  }

  async delete(user: AuthenticatedUser, id: string): Promise<void> {
    checkId(id);
    await this.limits.enforce('backupWrite', user.accountId);
    if (!(await this.backups.delete(id))) throw new ParleyException(ErrorCode.NotFound, 'no backup with this id');
  }
}

function checkId(id: string): void {
  if (!BACKUP_ID_PATTERN.test(id)) throw new ParleyException(ErrorCode.ValidationFailed, 'a backup id is 32 lower-case hex digits');
}
