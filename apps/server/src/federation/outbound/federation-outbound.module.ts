import { Module } from '@nestjs/common';
import { AddressRouter } from './address-router';
import { FederationClient } from './federation.client';
import { FederationRelayService } from './federation-relay.service';
import { OutboxRepository } from './outbox.repository';
import { OutboxWorker } from './outbox.worker';
import { PeerDirectory } from './peer-directory.service';
import { PeersRepository } from './peers.repository';
import { ServerIdentityRepository } from './server-identity.repository';
import { ServerKeyService } from './server-key.service';

/**
 * Everything this server asks of peers (API.md section 5,
 * docs/FEDERATION.md): the peer allow-list and pinned keys, signed
 * requests, relaying client requests for remote addresses, and the
 * durable outbox. Keys and messages import it to reach remote addresses;
 * it imports neither, so there is no cycle.
 */
@Module({
  providers: [
    ServerIdentityRepository,
    PeersRepository,
    OutboxRepository,
    ServerKeyService,
    PeerDirectory,
    FederationClient,
    FederationRelayService,
    AddressRouter,
    OutboxWorker,
  ],
  exports: [AddressRouter, FederationClient, FederationRelayService, PeerDirectory, ServerKeyService],
})
export class FederationOutboundModule {}
