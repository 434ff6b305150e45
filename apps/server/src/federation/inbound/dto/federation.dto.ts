import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { Limits } from '@parley/protocol';
import { SendMessagesDto } from '../../../messages/dto/send-messages.dto';

/** `username@domain`: a user of the requesting server, which must be that user's home server (403 otherwise). */
const REMOTE_ADDRESS = /^[a-z0-9][a-z0-9_.]{2,31}@[a-z0-9.-]+(:[0-9]{1,5})?$/;

export class ServerKeyDto {
  @ApiProperty({ example: 'a.example' })
  domain: string;
  @ApiProperty({ description: 'base64 of the 32-byte Ed25519 public key', example: 'F1k…=' })
  publicKey: string;
  @ApiProperty({
    type: [String],
    description:
      'Signed key rotation statements (docs/FEDERATION.md, "Rotating this server\'s key"), oldest first, at most 16; the last introduces publicKey. Empty for a key never rotated.',
  })
  rotations: string[];
}

/** POST /federation/v1/keys/claim: a remote user asks for bundles of a local user. */
export class ClaimKeysDto {
  /** Who asks, `username@origin`: throttled per requester (federationKeyFetch). */
  @Matches(REMOTE_ADDRESS, { message: 'requester must be username@domain' })
  requester: string;

  /** A local username of the receiving server. */
  @Matches(Limits.usernamePattern, { message: 'username must be a local username' })
  username: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(127)
  deviceId?: number;
}

/**
 * POST /federation/v1/messages: one fan-out relayed from the sender's home
 * server. `transactionId` makes a redelivery harmless: the receiver stores
 * a transaction of an origin at most once.
 */
export class RelayedFanoutDto extends SendMessagesDto {
  @IsUUID()
  transactionId: string;

  /** The sender, `username@origin`. */
  @Matches(REMOTE_ADDRESS, { message: 'source must be username@domain' })
  source: string;

  @IsInt()
  @Min(1)
  @Max(127)
  sourceDeviceId: number;

  /** A local username of the receiving server. */
  @IsString()
  @Matches(Limits.usernamePattern, { message: 'destination must be a local username' })
  destination: string;
}
