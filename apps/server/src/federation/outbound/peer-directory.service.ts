import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import type { KeyObject } from 'node:crypto';
import { ParleyException } from '../../common/parley.exception';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig, PeerConfig } from '../../config/config';
import { Clock } from '../../common/clock';
import { PeersRepository } from './peers.repository';
import { publicKeyFromRaw } from '../signature';

const KEY_CACHE_MS = 60_000;
const MISMATCH_CHECK_MS = 60_000;

/**
 * The allow-list of peers (PARLEY_PEERS) and their public keys. A key
 * given in config (`domain=url#key`) is used as is. Otherwise the peer's
 * key is fetched from its configured base URL (never from anything a
 * request says) on first contact and pinned in the database: trust on
 * first use. A pinned key is never replaced automatically; if the peer
 * later publishes another key, its requests are refused and the change is
 * logged until an operator runs `parley-admin peers unpin <domain>`.
 */
@Injectable()
export class PeerDirectory {
  private readonly logger = new Logger(PeerDirectory.name);
  private readonly peers: Map<string, PeerConfig>;
  private readonly cache = new Map<string, { key: KeyObject; until: number }>();
  private readonly lastMismatchCheck = new Map<string, number>();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: PeersRepository,
    private readonly clock: Clock,
  ) {
    this.peers = new Map(config.peers.map((p) => [p.domain, p]));
  }

  list(): PeerConfig[] {
    return [...this.peers.values()];
  }

  find(domain: string): PeerConfig | null {
    return this.peers.get(domain) ?? null;
  }

  /** The peer, or 404 unknown_peer: an address on a server we do not federate with is unknown. */
  require(domain: string): PeerConfig {
    const peer = this.find(domain);
    if (!peer) throw new ParleyException(ErrorCode.UnknownPeer, `${domain} is not a peer of this server`);
    return peer;
  }

  /** The key a peer's requests must verify with; null when it is not known and cannot be learned now. */
  async publicKeyOf(domain: string): Promise<KeyObject | null> {
    const peer = this.find(domain);
    if (!peer) return null;
    if (peer.publicKey) return publicKeyFromRaw(peer.publicKey);
    const cached = this.cache.get(domain);
    if (cached && cached.until > this.clock.now()) return cached.key;
    let pinned = (await this.repository.findPeer(domain))?.public_key ?? null;
    if (!pinned) {
      const published = await this.fetchPublishedKey(peer);
      if (!published) return null;
      pinned = await this.repository.pinPeerKey(domain, published);
      if (pinned === published) this.logger.log(`pinned the key of peer ${domain} on first contact: ${published}`);
    }
    const key = publicKeyFromRaw(pinned);
    if (key) this.cache.set(domain, { key, until: this.clock.now() + KEY_CACHE_MS });
    return key;
  }

  /**
   * Called when a request or an answer from `domain` does not verify with its pinned
   * key: looks (at most once a minute) whether the peer now publishes a
   * different key, and logs it loudly. The request or answer stays refused.
   */
  async reportBadSignature(domain: string): Promise<void> {
    const peer = this.find(domain);
    const last = this.lastMismatchCheck.get(domain) ?? 0;
    if (!peer || peer.publicKey || this.clock.now() - last < MISMATCH_CHECK_MS) return;
    this.lastMismatchCheck.set(domain, this.clock.now());
    const [published, pinned] = await Promise.all([this.fetchPublishedKey(peer), this.repository.findPeer(domain)]);
    if (published && pinned?.public_key && published !== pinned.public_key) {
      this.logger.error(
        `peer ${domain} now publishes key ${published} but ${pinned.public_key} is pinned; its requests are refused. ` +
          `If the change is legitimate, run: parley-admin peers unpin ${domain}`,
      );
    }
  }

  private async fetchPublishedKey(peer: PeerConfig): Promise<string | null> {
    try {
      const response = await fetch(`${peer.baseUrl}/federation/v1/server-key`, {
        signal: AbortSignal.timeout(this.config.federationRequestTimeoutMs),
      });
      if (!response.ok) return null;
      const body = (await response.json()) as { domain?: unknown; publicKey?: unknown };
      if (body.domain !== peer.domain || typeof body.publicKey !== 'string' || !publicKeyFromRaw(body.publicKey)) {
        this.logger.warn(`peer ${peer.domain} published an unusable key document (domain ${String(body.domain)})`);
        return null;
      }
      return body.publicKey;
    } catch (error) {
      this.logger.warn(`could not fetch the key of peer ${peer.domain}: ${(error as Error).message}`);
      return null;
    }
  }
}
