import { Injectable, OnModuleInit } from '@nestjs/common';
import { generateVAPIDKeys } from 'web-push';
import { PushRepository, VapidKeyPair } from './push.repository';

/**
 * The server's VAPID key pair (RFC 8292): generated on first start and
 * kept in the database beside the federation key, so every process of a
 * deployment and every restart signs wake-ups with the key that devices
 * subscribed with (a push service refuses any other).
 */
@Injectable()
export class VapidKeys implements OnModuleInit {
  keyPair: VapidKeyPair;

  constructor(private readonly repository: PushRepository) {}

  async onModuleInit() {
    this.keyPair = await this.repository.findOrStoreVapidKeys(generateVAPIDKeys());
  }

  /** What GET /v1/push/vapid-key publishes: a browser's `applicationServerKey`. */
  get publicKey(): string {
    return this.keyPair.publicKey;
  }
}
