import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@parley/protocol';
import type { KeyObject } from 'node:crypto';
import { ParleyException } from '../../common/parley.exception';
import { PARLEY_CONFIG } from '../../config/config.module';
import type { ParleyConfig, PeerConfig } from '../../config/config';
import { Clock } from '../../common/clock';
import { PeersRepository } from './peers.repository';
import { followKeyRotations } from '@parley/transparency';
import { MetricsService } from '../../metrics/metrics.service';
import { publicKeyFromRaw } from '../signature';

const KEY_CACHE_MS = 60_000;
const MISMATCH_CHECK_MS = 60_000;
/** More statements than this in a peer's key document make it unusable (Parley publishes 16). */
const MAX_ROTATIONS_READ = 64;

/** A peer's GET /federation/v1/server-key, checked for shape (not yet for trust). */
interface PeerKeyDocument {
  publicKey: string;
  rotations: string[];
}

/**
 * The allow-list of peers (PARLEY_PEERS) and their public keys. A key
 * given in config (`domain=url#key`) is used as is. Otherwise the peer's
 * key is fetched from its configured base URL (never from anything a
 * request says) on first contact and pinned in the database: trust on
 * first use. A pinned key is replaced only by following the peer's
 * rotation statements from it, link by link (refreshKey); a peer that
 * publishes another key without such a chain is refused and logged until
 * an operator runs `parley-admin peers unpin <domain>`.
 */
@Injectable()
export class PeerDirectory {
  private readonly logger = new Logger(PeerDirectory.name);
  private readonly peers: Map<string, PeerConfig>;
  private readonly cache = new Map<string, { raw: string; key: KeyObject; until: number }>();
  private readonly lastMismatchCheck = new Map<string, number>();
  private readonly looking = new Map<string, Promise<void>>();

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: PeersRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
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
      const published = (await this.fetchKeyDocument(peer))?.publicKey;
      if (!published) return null;
      pinned = await this.repository.pinPeerKey(domain, published);
      if (pinned === published) this.logger.log(`pinned the key of peer ${domain} on first contact: ${published}`);
    }
    return this.remember(domain, pinned);
  }

  /**
   * Called when a request, an answer or a checkpoint of `domain` does not
   * verify with `tried`, the key this process had for it. Returns the
   * peer's key if it is another now, for the caller to verify with once
   * more; null when it is not (the caller refuses, as before). Concurrent
   * callers share one look (lookAgain), so none is refused for coming
   * second.
   */
  async refreshKey(domain: string, tried: KeyObject): Promise<KeyObject | null> {
    let look = this.looking.get(domain);
    if (!look) {
      look = this.lookAgain(domain)
        .catch((error: unknown) => this.logger.warn(`could not look again at the key of peer ${domain}: ${(error as Error).message}`))
        .finally(() => this.looking.delete(domain));
      this.looking.set(domain, look);
    }
    await look;
    const key = await this.publicKeyOf(domain);
    return key && !key.equals(tried) ? key : null;
  }

  /**
   * Whether the peer's key changed, which it did when another
   * process followed a rotation (read from the database), or when the
   * peer now publishes, at its configured base URL, a chain of rotation
   * statements from the pinned key to a new one that verifies link by
   * link (followKeyRotations): the new key is pinned in place of the old
   * one, first process wins. The document is fetched at most once a
   * minute per peer and process, so forged signatures cost the peer
   * nothing more. A new key without a valid chain is logged and refused;
   * a key given in PARLEY_PEERS is never replaced (the operator chose
   * it), and a valid chain from it is logged with the entry to set.
   */
  private async lookAgain(domain: string): Promise<void> {
    const peer = this.find(domain);
    if (!peer) return;
    const row = peer.publicKey ? null : await this.repository.findPeer(domain);
    if (row?.public_key && row.public_key !== this.cache.get(domain)?.raw) {
      this.remember(domain, row.public_key);
      return;
    }
    const now = this.clock.now();
    if (now - (this.lastMismatchCheck.get(domain) ?? 0) < MISMATCH_CHECK_MS) return;
    this.lastMismatchCheck.set(domain, now);
    const pinned = peer.publicKey ?? row?.public_key;
    const document = await this.fetchKeyDocument(peer);
    if (!pinned || !document || document.publicKey === pinned) return;
    let followed;
    try {
      followed = followKeyRotations(
        domain,
        { key: pinned, since: row?.key_rotated_at?.getTime() ?? 0 },
        document.rotations,
        document.publicKey,
      );
    } catch (error) {
      this.metrics.federationPeerKeyRotations.inc({ peer: domain, outcome: 'refused' });
      this.logger.error(
        `peer ${domain} now publishes key ${document.publicKey} but ${pinned} is pinned, and no valid rotation leads to it ` +
          `(${(error as Error).message}); its requests and answers are refused. If the change is legitimate, ` +
          (peer.publicKey ? `put the new key in PARLEY_PEERS` : `run: parley-admin peers unpin ${domain}`),
      );
      return;
    }
    if (peer.publicKey) {
      this.metrics.federationPeerKeyRotations.inc({ peer: domain, outcome: 'configured' });
      this.logger.error(
        `peer ${domain} rotated its key from ${pinned}, given in PARLEY_PEERS, to ${followed.key} (its rotation statements verify); ` +
          `a configured key is not replaced automatically: set PARLEY_PEERS ${domain}=${peer.baseUrl}#${followed.key} and restart`,
      );
      return;
    }
    if (await this.repository.repinPeerKey(domain, pinned, followed.key, new Date(followed.since))) {
      this.metrics.federationPeerKeyRotations.inc({ peer: domain, outcome: 'followed' });
      this.logger.log(`followed the key rotation of peer ${domain} from ${pinned} to ${followed.key} (signed by the pinned key)`);
    }
    const after = (await this.repository.findPeer(domain))?.public_key;
    if (after) this.remember(domain, after);
  }

  private remember(domain: string, raw: string): KeyObject | null {
    const key = publicKeyFromRaw(raw);
    if (key) this.cache.set(domain, { raw, key, until: this.clock.now() + KEY_CACHE_MS });
    return key;
  }

  private async fetchKeyDocument(peer: PeerConfig): Promise<PeerKeyDocument | null> {
    try {
      const response = await fetch(`${peer.baseUrl}/federation/v1/server-key`, {
        signal: AbortSignal.timeout(this.config.federationRequestTimeoutMs),
      });
      if (!response.ok) return null;
      const body = (await response.json()) as { domain?: unknown; publicKey?: unknown; rotations?: unknown };
      // A peer running a version without rotations publishes none.
      const rotations = body.rotations ?? [];
      if (
        body.domain !== peer.domain ||
        typeof body.publicKey !== 'string' ||
        !publicKeyFromRaw(body.publicKey) ||
        !Array.isArray(rotations) ||
        rotations.length > MAX_ROTATIONS_READ ||
        !rotations.every((r) => typeof r === 'string')
      ) {
        this.logger.warn(`peer ${peer.domain} published an unusable key document (domain ${String(body.domain)})`);
        return null;
      }
      return { publicKey: body.publicKey, rotations: rotations };
    } catch (error) {
      this.logger.warn(`could not fetch the key of peer ${peer.domain}: ${(error as Error).message}`);
      return null;
    }
  }
}
