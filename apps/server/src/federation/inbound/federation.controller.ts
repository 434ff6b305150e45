import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../auth/auth.decorators';
import { ApiErrors } from '../../common/api-errors.decorator';
import { PreKeyBundleDto } from '../../keys/dto/bundle.dto';
import { ClaimKeysDto, RelayedFanoutDto, ServerKeyDto } from './dto/federation.dto';
import { FederationOrigin, FederationSignatureGuard } from './federation-signature.guard';
import { FederationService } from './federation.service';
import { AddCheckpointDto, AddCheckpointResponseDto } from '../../transparency/dto/witness.dto';
import { WitnessService } from '../../transparency/witness.service';

const SIGNED =
  'Signed by a peer server (docs/FEDERATION.md): X-Parley-Origin, X-Parley-Destination, X-Parley-Timestamp, X-Parley-Nonce, X-Parley-Signature. Every answer to an admitted request, errors included, carries X-Parley-Response-Signature (docs/FEDERATION.md, "Response signatures"); the 401 does not.';
const UNAUTHORIZED = 'unauthorized: unsigned, badly signed, replayed, stale, misaddressed, or not from a configured peer.';

@ApiTags('federation')
@Controller('federation/v1')
@Public()
export class FederationController {
  constructor(
    private readonly federation: FederationService,
    private readonly witness: WitnessService,
  ) {}

  @Get('server-key')
  @ApiOperation({
    summary:
      "This server's domain, Ed25519 public key and the signed rotations that lead to it; peers pin the key on first contact and follow the rotations",
  })
  @ApiResponse({ status: 200, type: ServerKeyDto })
  serverKey() {
    return this.federation.publication();
  }

  @Post('keys/claim')
  @HttpCode(200)
  @UseGuards(FederationSignatureGuard)
  @ApiHeader({ name: 'X-Parley-Signature', description: SIGNED, required: true })
  @ApiOperation({ summary: 'Prekey bundles of a local user for a user of the calling peer; consumes one-time keys like GET /v1/keys' })
  @ApiResponse({ status: 200, type: PreKeyBundleDto, description: '`{devices}`: one bundle per device.' })
  @ApiErrors({
    401: UNAUTHORIZED,
    403: 'forbidden: requester is not a user of the calling peer.',
    404: 'unknown_address or unknown_device.',
    429: 'rate_limited: too many fetches by this remote requester, of this target by this requester, or of this target by this peer; see Retry-After.',
  })
  claimKeys(@FederationOrigin() origin: string, @Body() dto: ClaimKeysDto) {
    return this.federation.claimKeys(origin, dto);
  }

  @Post('messages')
  @HttpCode(200)
  @UseGuards(FederationSignatureGuard)
  @ApiHeader({ name: 'X-Parley-Signature', description: SIGNED, required: true })
  @ApiOperation({ summary: 'A fan-out from a user of the calling peer to a local user; idempotent per transactionId' })
  @ApiResponse({
    status: 200,
    description:
      'Stored, and the transactionId recorded in the same commit; for a transactionId already stored (even one whose 200 was lost to a crash), nothing new stored.',
  })
  @ApiErrors({
    400: 'validation_failed (including a device addressed twice) or unknown_field; nothing stored.',
    401: UNAUTHORIZED,
    403: 'forbidden: source is not a user of the calling peer.',
    404: 'unknown_address.',
    409: 'mismatched_devices: body lists missingDevices and extraDevices; nothing stored.',
    410: 'stale_devices: body lists staleDevices; nothing stored.',
    413: 'payload_too_large: a content over 256 KiB decoded; nothing stored.',
    429: 'rate_limited (too much from this source to this recipient), queue_full, or queue_share_full (this source’s undelivered envelopes fill its share of a destination queue); nothing stored; see Retry-After.',
  })
  receiveFanout(@FederationOrigin() origin: string, @Body() dto: RelayedFanoutDto) {
    return this.federation.receiveFanout(origin, dto);
  }

  @Post('witness/add-checkpoint')
  @HttpCode(200)
  @UseGuards(FederationSignatureGuard)
  @ApiHeader({ name: 'X-Parley-Signature', description: SIGNED, required: true })
  @ApiOperation({
    summary:
      "C2SP tlog-witness add-checkpoint: the calling peer's key log checkpoint and a consistency proof from the size this witness last cosigned; answers this server's cosignature",
  })
  @ApiResponse({
    status: 200,
    type: AddCheckpointResponseDto,
    description: 'Cosigned; the checkpoint is now the latest this witness cosigned of the log.',
  })
  @ApiErrors({
    400: 'validation_failed (malformed body or checkpoint); tree_size_out_of_range (oldSize above the checkpoint size).',
    401: UNAUTHORIZED,
    403: "invalid_checkpoint_signature: the checkpoint is not signed by the peer's pinned federation key.",
    404: 'unknown_log: the checkpoint is of another log than `<peer>/parley-keys`.',
    409: 'old_size_mismatch: oldSize is not the size this witness last cosigned; `latestSize` in the body.',
    422: 'inconsistent_checkpoint (the proof fails, a proof with oldSize 0, a size-0 tree with a root; a failed proof is recorded as equivocation); log_equivocated (a second root for a size already seen, or a log already caught: nothing of it is cosigned any more).',
    503: "peer_unavailable: the peer's key is not known yet.",
  })
  addCheckpoint(@FederationOrigin() origin: string, @Body() dto: AddCheckpointDto) {
    return this.witness.addCheckpoint(origin, dto);
  }
}
