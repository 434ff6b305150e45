import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { KeyObject } from 'node:crypto';
import { signKeyRotation } from '@parley/transparency';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig } from '../../config/config';
import { Clock } from '../../common/clock';
import { ServerIdentityRepository, ServerIdentityRow, StoredRotation } from './server-identity.repository';
import { generateServerKey, loadPrivateKey, rawPublicKey } from '../signature';

/** How often each process re-reads the stored key, and so learns of a rotation. */
export const SERVER_KEY_RELOAD_MS = 5_000;
/**
 * With PostgreSQL (several processes), a rotation takes effect this long
 * after it is made: by then every process has re-read it, and all switch
 * keys at that clock time rather than each at its next reload. Without
 * this, a process would go on signing with the old key after peers had
 * followed the rotation to the new one, and be refused. With embedded
 * storage there is one process, stopped while parley-admin runs: at once.
 */
export const ROTATION_DELAY_MS = 3 * SERVER_KEY_RELOAD_MS;
/** GET /federation/v1/server-key lists at most this many statements, the newest: a peer pinned further back unpins by hand. */
export const PUBLISHED_ROTATIONS = 16;

/** What GET /federation/v1/server-key publishes. */
export interface ServerKeyDocument {
  domain: string;
  publicKey: string;
  /** Signed rotation statements, oldest first, the last one introducing publicKey (none for a key never rotated). */
  rotations: string[];
}

/** A rotation the operator asked for cannot be made (the key is configured, or the last one is not in effect yet). */
export class RotationRefused extends Error {}

/**
 * This server's Ed25519 identity. PARLEY_SERVER_KEY when given; otherwise
 * a key generated on first start and kept in the database (with embedded
 * storage that is the data dir), so every process of a deployment and
 * every restart signs with the same key. A stored key can be rotated
 * (`parley-admin server-key rotate`): each process re-reads it every
 * SERVER_KEY_RELOAD_MS and signs with the new key from the rotation's
 * effective time on (ROTATION_DELAY_MS), so no process signs with a key
 * its peers cannot verify. A configured key is rotated by hand.
 */
@Injectable()
export class ServerKeyService implements OnModuleInit {
  private readonly logger = new Logger(ServerKeyService.name);
  private current: KeyObject;
  /** Until `effectiveAt`, the key still in use; null when no rotation is pending. */
  private pending: { previous: KeyObject; effectiveAt: number } | null = null;
  /** The newest rotations, oldest first, read with the key (so a pending one is known before it takes effect). */
  private rotations: { statement: string; effectiveAt: number }[] = [];
  source: 'config' | 'database';

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: ServerIdentityRepository,
    private readonly clock: Clock,
  ) {}

  async onModuleInit() {
    this.source = this.config.serverKey ? 'config' : 'database';
    if (this.config.serverKey) this.current = loadPrivateKey(this.config.serverKey);
    else
      this.use(await this.repository.findOrStoreServerKey(generateServerKey()), await this.repository.listRotations(PUBLISHED_ROTATIONS));
  }

  /**
   * Learns of a rotation made by parley-admin; a failed read keeps the keys
   * it has (the next one retries). Only with PostgreSQL: embedded storage
   * has one process, stopped while parley-admin runs, so it reads the key
   * at start-up.
   */
  @Interval(SERVER_KEY_RELOAD_MS)
  async reload() {
    if (this.source !== 'database' || !this.config.databaseUrl) return;
    try {
      const [stored, rotations] = await Promise.all([this.repository.findServerKey(), this.repository.listRotations(PUBLISHED_ROTATIONS)]);
      if (stored) this.use(stored, rotations);
    } catch (error) {
      this.logger.warn(`could not re-read the server key: ${(error as Error).message}`);
    }
  }

  /** The key to sign with now. */
  get key(): KeyObject {
    return this.pending && this.clock.now() < this.pending.effectiveAt ? this.pending.previous : this.current;
  }

  /** The key in effect now and the rotations in effect now, which lead to it. */
  publication(): ServerKeyDocument {
    const now = this.clock.now();
    const rotations = this.rotations.filter((r) => r.effectiveAt <= now).map((r) => r.statement);
    return { domain: this.config.domain, publicKey: rawPublicKey(this.key), rotations };
  }

  /**
   * Replaces the stored key with a new one and stores the statement
   * (signed by both) that peers follow. Refused for a key given in
   * PARLEY_SERVER_KEY (nothing here can replace it on every process) and
   * while the previous rotation is not in effect yet.
   */
  async rotate(): Promise<StoredRotation> {
    if (this.source === 'config') {
      throw new RotationRefused(
        'this server signs with PARLEY_SERVER_KEY, which parley-admin cannot change; rotate a configured key by hand ' +
          '(docs/FEDERATION.md, "Rotating this server\'s key"), or remove PARLEY_SERVER_KEY to keep the key in the database',
      );
    }
    const now = this.clock.now();
    const effectiveAt = new Date(now + (this.config.databaseUrl ? ROTATION_DELAY_MS : 0));
    return this.repository.rotateServerKey((stored) => {
      if (stored.effective_at && stored.effective_at.getTime() > now) {
        throw new RotationRefused(`the previous rotation takes effect at ${stored.effective_at.toISOString()}; rotate again after that`);
      }
      const previousKey = loadPrivateKey(stored.private_key);
      const nextPrivateKey = generateServerKey();
      const nextKey = loadPrivateKey(nextPrivateKey);
      return {
        nextPrivateKey,
        previousPublicKey: rawPublicKey(previousKey),
        nextPublicKey: rawPublicKey(nextKey),
        effectiveAt,
        statement: signKeyRotation({ domain: this.config.domain, time: effectiveAt.getTime() }, previousKey, nextKey),
      };
    });
  }

  private use(stored: ServerIdentityRow, rotations: { statement: string; effective_at: Date }[]) {
    this.rotations = rotations.map((r) => ({ statement: r.statement, effectiveAt: r.effective_at.getTime() }));
    this.current = loadPrivateKey(stored.private_key);
    const effectiveAt = stored.effective_at?.getTime() ?? 0;
    this.pending =
      stored.previous_private_key && effectiveAt > this.clock.now()
        ? { previous: loadPrivateKey(stored.previous_private_key), effectiveAt }
        : null;
  }
}
