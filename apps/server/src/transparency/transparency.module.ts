import { Module } from '@nestjs/common';
import { FederationOutboundModule } from '../federation/outbound/federation-outbound.module';
import { CosignaturesRepository } from './cosignatures.repository';
import { KeyLogController } from './key-log.controller';
import { KeyLogRepository } from './key-log.repository';
import { KeyLogSequencer } from './key-log.sequencer';
import { KeyLogService } from './key-log.service';
import { KeyLogRetention } from './key-log-retention';
import { PeerKeyLogsService } from './peer-key-logs.service';
import { WitnessController } from './witness.controller';
import { WitnessRepository } from './witness.repository';
import { WitnessService } from './witness.service';
import { WitnessSubmitter } from './witness-submitter';

/**
 * Key transparency (API.md section 8): the key log, its sequencer and
 * its routes, and peers' logs relayed for clients (PeerKeyLogsService). Accounts record list changes through KeyLogService; keys
 * attach inclusion proofs to bundles. Signs with the federation key.
 * Witnessing (docs/FEDERATION.md): WitnessService cosigns peers' logs
 * (the federation route calls it) and checks gossiped checkpoints (keys
 * hands it remote bundles'); WitnessSubmitter gets this log cosigned.
 */
@Module({
  imports: [FederationOutboundModule],
  controllers: [KeyLogController, WitnessController],
  providers: [
    KeyLogRepository,
    KeyLogSequencer,
    KeyLogService,
    KeyLogRetention,
    PeerKeyLogsService,
    CosignaturesRepository,
    WitnessRepository,
    WitnessService,
    WitnessSubmitter,
  ],
  exports: [KeyLogService, WitnessService],
})
export class TransparencyModule {}
