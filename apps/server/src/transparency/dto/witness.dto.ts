import { ApiProperty } from '@nestjs/swagger';
import type { AddCheckpointRequest, AddCheckpointResponse, EquivocationRecord, EquivocationsResponse } from '@parley/protocol';
import { ArrayMaxSize, IsArray, IsBase64, IsInt, IsString, MaxLength, Min } from 'class-validator';

/** POST /federation/v1/witness/add-checkpoint: C2SP tlog-witness add-checkpoint, as JSON. */
export class AddCheckpointDto implements AddCheckpointRequest {
  /** The size of the checkpoint this witness last cosigned of the log, 0 if none (tlog-witness `old`). */
  @IsInt()
  @Min(0)
  oldSize: number;

  /** Consistency proof from oldSize to the checkpoint's size: base64 SHA-256 hashes, at most 63 (tlog-witness). */
  @IsArray()
  @ArrayMaxSize(63)
  @IsBase64({}, { each: true })
  @MaxLength(44, { each: true })
  proof: string[];

  /** The log's checkpoint, a C2SP signed note; it may carry other signatures, which are ignored. */
  @IsString()
  @MaxLength(16_384)
  checkpoint: string;
}

export class AddCheckpointResponseDto implements AddCheckpointResponse {
  /** Note signature lines, each `— <domain>/parley-witness base64(key ID || u64 timestamp || Ed25519 signature)` and a newline (C2SP tlog-cosignature). */
  cosignatures: string;
}

export class EquivocationDto implements EquivocationRecord {
  id: number;
  /** The log, `<peer domain>/parley-keys`. */
  origin: string;
  /** `fork`: two checkpoints of one size with different roots; `inconsistent`: a consistency proof from a cosigned checkpoint failed. */
  @ApiProperty({ enum: ['fork', 'inconsistent'] })
  kind: 'fork' | 'inconsistent';
  @ApiProperty({ enum: ['submission', 'gossip'] })
  source: 'submission' | 'gossip';
  /** The checkpoint this witness had cosigned or seen, signed by the log. */
  firstCheckpoint: string;
  /** The conflicting checkpoint, signed by the log. */
  secondCheckpoint: string;
  /** For `inconsistent`: the proof the log offered (base64 hashes); null for `fork`. */
  proof: string[] | null;
  detectedAt: string;
}

export class EquivocationsDto implements EquivocationsResponse {
  @ApiProperty({ type: [EquivocationDto] })
  equivocations: EquivocationDto[];
}
