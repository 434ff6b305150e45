import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, Public } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { KEY_LOG_LEAVES_PER_PAGE } from '@parley/protocol';
import { CheckpointDto, ConsistencyProofDto, InclusionProofDto, KeyLogLeafDto, KeyLogLeavesDto } from './dto/key-log.dto';
import { KeyLogService } from './key-log.service';
import { LogPositionPipe } from './log-position.pipe';
import { PeerKeyLogsService } from './peer-key-logs.service';

@ApiTags('transparency')
@Controller('v1/transparency')
export class KeyLogController {
  constructor(
    private readonly keyLog: KeyLogService,
    private readonly logs: PeerKeyLogsService,
  ) {}

  @Get('checkpoint')
  @Public()
  @ApiOperation({ summary: "The key log's newest signed checkpoint (public: hashes and a size, nothing about any account)" })
  @ApiResponse({ status: 200, type: CheckpointDto })
  @ApiErrors({ 503: 'service_unavailable: the log has not signed its first checkpoint yet.' })
  checkpoint() {
    return this.keyLog.latestCheckpoint();
  }

  @Get('inclusion')
  @Public()
  @ApiOperation({ summary: 'Inclusion proof of leaf `index` in the tree of `size` leaves (public: hashes only)' })
  @ApiQuery({ name: 'index', description: 'Leaf index, 0-based.' })
  @ApiQuery({ name: 'size', description: 'Tree size, at most the newest checkpoint’s.' })
  @ApiResponse({ status: 200, type: InclusionProofDto })
  @ApiErrors({
    400: 'validation_failed (not a non-negative integer); tree_size_out_of_range (beyond the newest checkpoint, `latestSize` in the body); leaf_index_out_of_range (index >= size).',
  })
  inclusion(@Query('index', LogPositionPipe) index: number, @Query('size', LogPositionPipe) size: number) {
    return this.keyLog.inclusionProof(index, size);
  }

  @Get('consistency')
  @Public()
  @ApiOperation({ summary: 'Consistency proof from the tree of `from` leaves to the tree of `to` leaves (public: hashes only)' })
  @ApiQuery({ name: 'from', description: 'The older tree size, at least 1.' })
  @ApiQuery({ name: 'to', description: 'The newer tree size, at most the newest checkpoint’s.' })
  @ApiResponse({ status: 200, type: ConsistencyProofDto })
  @ApiErrors({
    400: 'validation_failed (not a non-negative integer); tree_size_out_of_range (from = 0, from > to, or to beyond the newest checkpoint).',
  })
  consistency(@Query('from', LogPositionPipe) from: number, @Query('to', LogPositionPipe) to: number) {
    return this.keyLog.consistencyProof(from, to);
  }

  @Get('leaves')
  @Authenticated()
  @ApiOperation({
    summary: `Up to ${KEY_LOG_LEAVES_PER_PAGE} consecutive leaves from \`start\`, as far as the newest checkpoint reaches (device token: leaves name accounts)`,
  })
  @ApiQuery({ name: 'start', description: 'The first leaf index, 0-based.' })
  @ApiQuery({ name: 'count', description: `How many leaves, 1 to ${KEY_LOG_LEAVES_PER_PAGE}.` })
  @ApiResponse({ status: 200, type: KeyLogLeavesDto })
  @ApiErrors({ 400: `validation_failed: start is not a non-negative integer, or count is not 1 to ${KEY_LOG_LEAVES_PER_PAGE}.` })
  leaves(@Query('start', LogPositionPipe) start: number, @Query('count', LogPositionPipe) count: number) {
    return this.keyLog.leaves(start, count);
  }

  @Get('logs/:domain/checkpoint')
  @Authenticated()
  @ApiOperation({
    summary:
      "The newest checkpoint of `domain`'s key log: this server's own, or a federated peer's relayed as the peer signed it, with the verifier key made from the peer's federation key this server pinned",
  })
  @ApiResponse({ status: 200, type: CheckpointDto })
  @ApiErrors({
    404: 'unknown_peer: this server does not federate with `domain`.',
    503: 'peer_unavailable: the peer gave no checkpoint (unreachable, or its key is not known yet; Retry-After).',
  })
  logCheckpoint(@Param('domain') domain: string) {
    return this.logs.checkpoint(domain.toLowerCase());
  }

  @Get('logs/:domain/consistency')
  @Authenticated()
  @ApiOperation({ summary: "Consistency proof between two tree sizes of `domain`'s key log (this server's, or a peer's relayed)" })
  @ApiQuery({ name: 'from', description: 'The older tree size, at least 1.' })
  @ApiQuery({ name: 'to', description: 'The newer tree size, at most the newest checkpoint’s.' })
  @ApiResponse({ status: 200, type: ConsistencyProofDto })
  @ApiErrors({
    400: 'validation_failed; tree_size_out_of_range (as GET /v1/transparency/consistency, the peer’s answer passed on).',
    404: 'unknown_peer: this server does not federate with `domain`.',
    503: 'peer_unavailable: the peer cannot be reached now (Retry-After).',
  })
  logConsistency(@Param('domain') domain: string, @Query('from', LogPositionPipe) from: number, @Query('to', LogPositionPipe) to: number) {
    return this.logs.consistency(domain.toLowerCase(), from, to);
  }

  @Get('leaves/:index')
  @Authenticated()
  @ApiOperation({ summary: 'The bytes of one leaf: an address, its list version and keys (device token: it names an account)' })
  @ApiResponse({ status: 200, type: KeyLogLeafDto })
  @ApiErrors({ 400: 'validation_failed: index is not a non-negative integer.', 404: 'not_found: the newest checkpoint has no such leaf.' })
  leaf(@Param('index', LogPositionPipe) index: number) {
    return this.keyLog.leaf(index);
  }
}
