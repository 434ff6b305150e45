import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { FederationOutboundModule } from '../federation/outbound/federation-outbound.module';
import { KeysModule } from '../keys/keys.module';
import { PushModule } from '../push/push.module';
import { DeliveryFailuresController } from './delivery-failures.controller';
import { DeliveryFailuresRepository } from './delivery-failures.repository';
import { DeliveryFailuresService } from './delivery-failures.service';
import { DeviceQueueService } from './device-queue.service';
import { EnvelopeStore } from './envelope-store';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { QueueBound } from './queue-bound';
import { QueueExpiryService } from './queue-expiry.service';

@Module({
  imports: [DevicesModule, KeysModule, FederationOutboundModule, PushModule],
  controllers: [MessagesController, DeliveryFailuresController],
  providers: [
    MessagesService,
    DeviceQueueService,
    DeliveryFailuresService,
    MessagesRepository,
    DeliveryFailuresRepository,
    EnvelopeStore,
    QueueBound,
    QueueExpiryService,
  ],
  exports: [MessagesService, DeviceQueueService, DeliveryFailuresService],
})
export class MessagesModule {}
