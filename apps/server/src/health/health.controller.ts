import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import type Redis from 'ioredis';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { DatabaseService } from '../database/database.service';
import { REDIS_CLIENT } from '../redis/redis.module';

@ApiTags('operations')
@Controller('healthz')
export class HealthController {
  constructor(private readonly db: DatabaseService, @Optional() @Inject(REDIS_CLIENT) private readonly redis: Redis | null) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness: the database (and Redis, when configured) answer' })
  @ApiResponse({ status: 200, description: 'The database and Redis answer.' })
  @ApiResponse({ status: 503, description: 'The database or Redis does not answer.' })
  async health() {
    try {
      await this.db.execute('SELECT 1');
    } catch {
      throw new ServiceUnavailableException('database unreachable');
    }
    if (this.redis && (await this.redis.ping().catch(() => null)) !== 'PONG') {
      throw new ServiceUnavailableException('redis unreachable');
    }
    return { status: 'ok' };
  }
}
