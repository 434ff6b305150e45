import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { CosignaturesRepository } from './cosignatures.repository';
import { KeyLogRepository } from './key-log.repository';

/** How long a superseded checkpoint, and the cosignatures of one, are kept: for an operator looking into yesterday. */
export const CHECKPOINT_RETENTION_MS = 24 * 3600_000;
const PRUNE_INTERVAL_MS = 3600_000;

/**
 * The log signs a checkpoint per append round, up to one a second: about
 * 86,000 rows a day on a busy server, of which clients are only ever
 * served the newest and the newest cosigned. Leaves and tree nodes are
 * never pruned: they are the log.
 */
@Injectable()
export class KeyLogRetention {
  private readonly logger = new Logger(KeyLogRetention.name);

  constructor(
    private readonly checkpoints: KeyLogRepository,
    private readonly cosignatures: CosignaturesRepository,
    private readonly clock: Clock,
  ) {}

  @Interval(PRUNE_INTERVAL_MS)
  async pruneSuperseded(): Promise<void> {
    const before = new Date(this.clock.now() - CHECKPOINT_RETENTION_MS);
    try {
      const [checkpoints, cosignatures] = [
        await this.checkpoints.pruneCheckpoints(before),
        await this.cosignatures.pruneCosignatures(before),
      ];
      if (checkpoints + cosignatures > 0) this.logger.log(`pruned ${checkpoints} checkpoints and ${cosignatures} cosignatures`);
    } catch (error) {
      this.logger.error(`pruning superseded checkpoints failed: ${String(error)}`);
    }
  }
}
