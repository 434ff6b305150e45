import { Module } from '@nestjs/common';
import { BackupPinController } from './backup-pin.controller';
import { BackupPinService } from './backup-pin.service';
import { BackupPinsRepository } from './backup-pins.repository';
import { BackupsController } from './backups.controller';
import { BackupsRepository } from './backups.repository';
import { BackupsService } from './backups.service';

/**
 * Encrypted backups: ciphertexts by recovery-key-derived id, with no owner
 * recorded, and the optional PIN that unwraps the recovery key through
 * OPAQUE (docs/API.md section 10).
 */
@Module({
  controllers: [BackupsController, BackupPinController],
  providers: [BackupsService, BackupsRepository, BackupPinService, BackupPinsRepository],
})
export class BackupsModule {}
