import { Module } from '@nestjs/common';
import { FederationOutboundModule } from '../federation/outbound/federation-outbound.module';
import { KeyLogController } from './key-log.controller';
import { KeyLogRepository } from './key-log.repository';
import { KeyLogSequencer } from './key-log.sequencer';
import { KeyLogService } from './key-log.service';

/**
 * Key transparency (API.md section 8): the key log, its sequencer and
 * its routes. Accounts record list changes through KeyLogService; keys
 * attach inclusion proofs to bundles. Signs with the federation key.
 */
@Module({
  imports: [FederationOutboundModule],
  controllers: [KeyLogController],
  providers: [KeyLogRepository, KeyLogSequencer, KeyLogService],
  exports: [KeyLogService],
})
export class TransparencyModule {}
