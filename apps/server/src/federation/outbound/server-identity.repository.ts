import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

/** This server's key as stored: the newest key and, until a rotation takes effect, the key it replaces. */
export interface ServerIdentityRow {
  private_key: string;
  previous_private_key: string | null;
  effective_at: Date | null;
}

/** What a rotation stores: the new private key and the signed statement peers follow. */
export interface StoredRotation {
  nextPrivateKey: string;
  previousPublicKey: string;
  nextPublicKey: string;
  effectiveAt: Date;
  statement: string;
}

/** This server's federation key and its rotations, shared by every process through the database. */
@Injectable()
export class ServerIdentityRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The stored server key, storing `candidate` first if there is none.
   * Processes starting at once all end up with the first key committed.
   */
  async findOrStoreServerKey(candidate: string): Promise<ServerIdentityRow> {
    await this.db.execute('INSERT INTO federation_identity (private_key) VALUES ($1) ON CONFLICT (id) DO NOTHING', [candidate]);
    return (await this.findServerKey())!;
  }

  async findServerKey(): Promise<ServerIdentityRow | null> {
    return this.db.one<ServerIdentityRow>('SELECT private_key, previous_private_key, effective_at FROM federation_identity');
  }

  /**
   * Replaces the key with the one `rotate` makes from the stored row and
   * stores its statement, in one transaction under the identity's row
   * lock: of two rotations at once, the second sees the first's key (and
   * signs from it, or refuses while it is not yet in effect), so no two
   * statements ever leave the same key. The replaced key is kept as
   * previous_private_key only until the new one takes effect.
   */
  async rotateServerKey(rotate: (current: ServerIdentityRow) => StoredRotation): Promise<StoredRotation> {
    return this.db.transaction(async (tx) => {
      const current = await this.db.one<ServerIdentityRow>(
        'SELECT private_key, previous_private_key, effective_at FROM federation_identity FOR UPDATE',
        [],
        tx,
      );
      if (!current) throw new Error('this server has no key yet: start it once first');
      const rotation = rotate(current);
      await this.db.execute(
        'UPDATE federation_identity SET private_key = $1, previous_private_key = $2, effective_at = $3',
        [rotation.nextPrivateKey, current.private_key, rotation.effectiveAt],
        tx,
      );
      await this.db.execute(
        `INSERT INTO federation_key_rotations (previous_public_key, next_public_key, effective_at, statement)
         VALUES ($1, $2, $3, $4)`,
        [rotation.previousPublicKey, rotation.nextPublicKey, rotation.effectiveAt, rotation.statement],
        tx,
      );
      return rotation;
    });
  }

  /** The newest `limit` rotations, oldest first, those not in effect yet included. */
  async listRotations(limit: number): Promise<{ statement: string; effective_at: Date }[]> {
    const rows = await this.db.rows<{ statement: string; effective_at: Date }>(
      'SELECT statement, effective_at FROM federation_key_rotations ORDER BY effective_at DESC LIMIT $1',
      [limit],
    );
    return rows.reverse();
  }
}
