import { Module } from '@nestjs/common';
import { BackupsController } from './backups.controller';
import { BackupsRepository } from './backups.repository';
import { BackupsService } from './backups.service';

/** Encrypted backups: ciphertexts by recovery-key-derived id, with no owner recorded (docs/API.md section 9). */
@Module({
  controllers: [BackupsController],
  providers: [BackupsService, BackupsRepository],
})
export class BackupsModule {}
