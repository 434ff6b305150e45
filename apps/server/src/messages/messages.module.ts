import { Module } from '@nestjs/common';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { KeysModule } from '../keys/keys.module';
import { DeliveryBus, LocalDeliveryBus } from './delivery-bus';
import { EnvelopeStore } from './envelope-store';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { QueueBound } from './queue-bound';
import { QueueExpiryService } from './queue-expiry.service';
import { RedisDeliveryBus } from './redis-delivery-bus';

@Module({
  imports: [KeysModule],
  controllers: [MessagesController],
  providers: [
    MessagesService, MessagesRepository, EnvelopeStore, QueueBound, QueueExpiryService,
    {
      provide: DeliveryBus,
      inject: [PARLEY_CONFIG],
      useFactory: (config: ParleyConfig) =>
        config.redisUrl ? new RedisDeliveryBus(config.redisUrl, config.redisPrefix) : new LocalDeliveryBus(),
    },
  ],
  exports: [MessagesService, MessagesRepository, EnvelopeStore, DeliveryBus],
})
export class MessagesModule {}
