import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { FederationOutboundModule } from '../federation/outbound/federation-outbound.module';
import { KeysModule } from '../keys/keys.module';
import { PushModule } from '../push/push.module';
import { DeviceQueueService } from './device-queue.service';
import { EnvelopeStore } from './envelope-store';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { QueueBound } from './queue-bound';
import { QueueExpiryService } from './queue-expiry.service';

@Module({
  imports: [DevicesModule, KeysModule, FederationOutboundModule, PushModule],
  controllers: [MessagesController],
  providers: [MessagesService, DeviceQueueService, MessagesRepository, EnvelopeStore, QueueBound, QueueExpiryService],
  exports: [MessagesService, DeviceQueueService],
})
export class MessagesModule {}
