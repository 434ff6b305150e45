import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

/** This server's federation key, shared by every process through the database. */
@Injectable()
export class ServerIdentityRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The stored server key, storing `candidate` first if there is none.
   * Processes starting at once all end up with the first key committed.
   */
  async findOrStoreServerKey(candidate: string): Promise<string> {
    await this.db.execute('INSERT INTO federation_identity (private_key) VALUES ($1) ON CONFLICT (id) DO NOTHING', [candidate]);
    const row = await this.db.one<{ private_key: string }>('SELECT private_key FROM federation_identity');
    return row!.private_key;
  }
}
