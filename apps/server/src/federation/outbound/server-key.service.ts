import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { ServerIdentityRepository } from './server-identity.repository';
import { generateServerKey, loadPrivateKey, rawPublicKey } from '../signature';

/**
 * This server's Ed25519 identity. PARLEY_SERVER_KEY when given; otherwise
 * a key generated on first start and kept in the database (with embedded
 * storage that is the data dir), so every process of a deployment and
 * every restart signs with the same key.
 */
@Injectable()
export class ServerKeyService implements OnModuleInit {
  private privateKey: KeyObject;
  private publicKeyBase64: string;
  source: 'config' | 'database';

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: ServerIdentityRepository,
  ) {}

  async onModuleInit() {
    this.source = this.config.serverKey ? 'config' : 'database';
    const stored = this.config.serverKey ?? (await this.repository.findOrStoreServerKey(generateServerKey()));
    this.privateKey = loadPrivateKey(stored);
    this.publicKeyBase64 = rawPublicKey(this.privateKey);
  }

  get key(): KeyObject {
    return this.privateKey;
  }

  /** What GET /federation/v1/server-key publishes. */
  publication(): { domain: string; publicKey: string } {
    return { domain: this.config.domain, publicKey: this.publicKeyBase64 };
  }
}
