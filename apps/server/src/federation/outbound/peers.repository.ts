import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

export interface PeerRow {
  domain: string;
  public_key: string | null;
  pinned_at: Date | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_error: string | null;
  response_signature_failures: string;
  /** The time of the peer's rotation statement the pinned key was followed through; null for a key pinned on first use. */
  key_rotated_at: Date | null;
}

/** Pinned peer keys and how each peer has been answering (operators read it with `parley-admin peers`). */
@Injectable()
export class PeersRepository {
  constructor(private readonly db: DatabaseService) {}

  async findPeer(domain: string): Promise<PeerRow | null> {
    return this.db.one<PeerRow>('SELECT * FROM federation_peers WHERE domain = $1', [domain]);
  }

  async listPeers(): Promise<PeerRow[]> {
    return this.db.rows<PeerRow>('SELECT * FROM federation_peers ORDER BY domain');
  }

  /**
   * Pins a peer's key unless one is pinned already (trust on first use);
   * returns the key that is pinned afterwards, which the caller compares
   * with what it fetched.
   */
  async pinPeerKey(domain: string, publicKey: string): Promise<string> {
    await this.db.execute(
      `INSERT INTO federation_peers (domain, public_key, pinned_at) VALUES ($1, $2, now())
       ON CONFLICT (domain) DO UPDATE SET public_key = EXCLUDED.public_key, pinned_at = now()
       WHERE federation_peers.public_key IS NULL`,
      [domain, publicKey],
    );
    return (await this.findPeer(domain))!.public_key!;
  }

  /**
   * Replaces the pinned key `from` by `to`, which the peer's rotation
   * statements lead to (PeerDirectory.refreshKey verified them).
   * Compare-and-set: of processes following the same rotation, the first
   * wins (true) and the others find it done; a key that is no longer
   * `from` (unpinned, or followed further meanwhile) is left alone.
   */
  async repinPeerKey(domain: string, from: string, to: string, rotatedAt: Date): Promise<boolean> {
    return (
      (await this.db.execute(
        'UPDATE federation_peers SET public_key = $3, pinned_at = now(), key_rotated_at = $4 WHERE domain = $1 AND public_key = $2',
        [domain, from, to, rotatedAt],
      )) > 0
    );
  }

  /** Forgets a pinned key (operator command after a legitimate key change). */
  async unpinPeerKey(domain: string): Promise<boolean> {
    return (
      (await this.db.execute(
        'UPDATE federation_peers SET public_key = NULL, pinned_at = NULL, key_rotated_at = NULL WHERE domain = $1 AND public_key IS NOT NULL',
        [domain],
      )) > 0
    );
  }

  async recordPeerSuccess(domain: string, at: Date): Promise<void> {
    await this.db.execute(
      `INSERT INTO federation_peers (domain, last_success_at) VALUES ($1, $2)
       ON CONFLICT (domain) DO UPDATE SET last_success_at = EXCLUDED.last_success_at`,
      [domain, at],
    );
  }

  /** Counts an answer that was not signed by the peer's key for our request (FederationClient.verified). */
  async recordResponseSignatureFailure(domain: string): Promise<void> {
    await this.db.execute(
      `INSERT INTO federation_peers (domain, response_signature_failures) VALUES ($1, 1)
       ON CONFLICT (domain) DO UPDATE SET response_signature_failures = federation_peers.response_signature_failures + 1`,
      [domain],
    );
  }

  async recordPeerFailure(domain: string, at: Date, error: string): Promise<void> {
    await this.db.execute(
      `INSERT INTO federation_peers (domain, last_failure_at, last_error) VALUES ($1, $2, $3)
       ON CONFLICT (domain) DO UPDATE SET last_failure_at = EXCLUDED.last_failure_at, last_error = EXCLUDED.last_error`,
      [domain, at, error],
    );
  }
}
