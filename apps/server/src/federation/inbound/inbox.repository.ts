import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';

/**
 * Peers' inbound transactions. A row is written only together with its
 * fan-out's envelopes (MessagesRepository.insertFanouts), so a redelivered
 * fan-out is stored at most once; this forgets rows no peer retries any more.
 */
@Injectable()
export class InboxRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Forgets inbox rows older than `before`: no peer retries a transaction that old. */
  async pruneInbox(before: Date): Promise<number> {
    return this.db.execute('DELETE FROM federation_inbox WHERE updated_at < $1', [before]);
  }
}
