import { Module } from '@nestjs/common';
import { PushController } from './push.controller';
import { PushProvider } from './push-provider';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';
import { VapidKeys } from './vapid-keys.service';
import { WakeUpService } from './wake-up.service';
import { WebPushProvider } from './web-push.provider';

/**
 * Push wake-ups for devices that are not connected (docs/API.md section
 * 9). Web Push is the one PushProvider; APNs or FCM would be provided
 * here instead of, or beside, it.
 */
@Module({
  controllers: [PushController],
  providers: [PushService, PushRepository, VapidKeys, WakeUpService, { provide: PushProvider, useClass: WebPushProvider }],
  exports: [WakeUpService],
})
export class PushModule {}
