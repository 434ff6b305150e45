import { Module } from '@nestjs/common';
import { ProvisioningController } from './provisioning.controller';
import { ProvisioningRepository } from './provisioning.repository';
import { ProvisioningService } from './provisioning.service';

/** Linking slots: a relay of sealed provisioning messages from an existing device to a new one. */
@Module({
  controllers: [ProvisioningController],
  providers: [ProvisioningService, ProvisioningRepository],
})
export class ProvisioningModule {}
