import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

/** Request nonces seen recently, in the database (single-process mode; see NonceStore). */
@Injectable()
export class NoncesRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Records a nonce; false when it was seen already (a replay). */
  async rememberNonce(origin: string, nonce: string, expiresAt: Date): Promise<boolean> {
    const rows = await this.db.rows(
      'INSERT INTO federation_nonces (origin, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
      [origin, nonce, expiresAt],
    );
    return rows.length === 1;
  }

  async pruneNonces(now: Date): Promise<number> {
    return this.db.execute('DELETE FROM federation_nonces WHERE expires_at < $1', [now]);
  }
}
