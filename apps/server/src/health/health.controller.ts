import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@parley/protocol';
import { Public } from '../auth/auth.decorators';
import { ParleyException } from '../common/parley.exception';
import { DatabaseService } from '../database/database.service';
import { SHARED_STATE } from '../shared-state/shared-state.module';
import type { SharedState } from '../shared-state/shared-state.factory';

@ApiTags('operations')
@Controller('healthz')
export class HealthController {
  constructor(
    private readonly db: DatabaseService,
    @Inject(SHARED_STATE) private readonly sharedState: SharedState,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness: the database (and Redis, when configured) answer' })
  @ApiResponse({ status: 200, description: 'The database and Redis answer.' })
  @ApiResponse({ status: 503, description: 'The database or Redis does not answer.' })
  async health() {
    const database = await this.db.execute('SELECT 1').then(
      () => true,
      () => false,
    );
    if (!database) throw new ParleyException(ErrorCode.ServiceUnavailable, 'database unreachable');
    if (!(await this.sharedState.isReachable())) throw new ParleyException(ErrorCode.ServiceUnavailable, 'redis unreachable');
    return { status: 'ok' };
  }
}
