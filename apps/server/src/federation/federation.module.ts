import { Global, Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { REMOTE_KEY_DIRECTORY } from '../keys/remote-key-directory';
import { MessagesModule } from '../messages/messages.module';
import { REMOTE_MESSAGE_RELAY } from '../messages/remote-message-relay';
import { Clock } from './clock';
import { FederationClient } from './federation.client';
import { FederationController } from './federation.controller';
import { FederationRelayService } from './federation-relay.service';
import { FederationRepository } from './federation.repository';
import { FederationService } from './federation.service';
import { FederationSignatureGuard } from './federation-signature.guard';
import { NonceStore } from './nonce-store';
import { OutboxWorker } from './outbox.worker';
import { PeerDirectory } from './peer-directory.service';
import { ServerKeyService } from './server-key.service';

/**
 * Federation between Parley servers (API.md section 5, docs/FEDERATION.md).
 * Global only to hand KeysService and MessagesService their optional
 * remote hooks (REMOTE_KEY_DIRECTORY, REMOTE_MESSAGE_RELAY) without those
 * modules importing this one. The relay does not depend on either
 * service, so there is no cycle between them.
 */
@Global()
@Module({
  imports: [KeysModule, MessagesModule],
  controllers: [FederationController],
  providers: [
    Clock, FederationRepository, ServerKeyService, PeerDirectory, NonceStore, FederationClient,
    FederationSignatureGuard, FederationService, FederationRelayService, OutboxWorker,
    { provide: REMOTE_KEY_DIRECTORY, useExisting: FederationRelayService },
    { provide: REMOTE_MESSAGE_RELAY, useExisting: FederationRelayService },
  ],
  exports: [REMOTE_KEY_DIRECTORY, REMOTE_MESSAGE_RELAY],
})
export class FederationModule {}
