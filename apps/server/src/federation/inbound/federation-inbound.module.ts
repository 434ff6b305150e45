import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { KeysModule } from '../../keys/keys.module';
import { MessagesModule } from '../../messages/messages.module';
import { TransparencyModule } from '../../transparency/transparency.module';
import { FederationOutboundModule } from '../outbound/federation-outbound.module';
import { FederationController } from './federation.controller';
import { FederationService } from './federation.service';
import { FederationSignatureGuard } from './federation-signature.guard';
import { InboundHousekeeping } from './inbound-housekeeping.service';
import { InboxRepository } from './inbox.repository';
import { ResponseSignatureMiddleware } from './response-signature.middleware';

/**
 * What peers may ask of this server (API.md section 5): signed requests
 * are verified, then answered by the same local entry points a client
 * uses (KeysService.claimBundle, MessagesService.acceptFanout), and the
 * answers signed.
 */
@Module({
  imports: [KeysModule, MessagesModule, FederationOutboundModule, TransparencyModule],
  controllers: [FederationController],
  providers: [FederationSignatureGuard, FederationService, InboxRepository, InboundHousekeeping],
})
export class FederationInboundModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(ResponseSignatureMiddleware).forRoutes(FederationController);
  }
}
