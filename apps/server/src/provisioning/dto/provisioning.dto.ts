import { IsString, Matches, MaxLength } from 'class-validator';
import { ProvisioningEnvelope, ProvisioningSlot } from '@parley/protocol';

export class ProvisioningSlotDto implements ProvisioningSlot {
  /** Goes into the linking code the new device shows. */
  slotId: string;
  /** Seconds until the slot expires. */
  expiresIn: number;
}

export class ProvisioningEnvelopeDto implements ProvisioningEnvelope {
  /** The provisioning message sealed to the new device's identity key (libsignal HPKE), base64; at most 16 KiB. */
  @IsString()
  @MaxLength(16 * 1024)
  @Matches(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'message must be base64' })
  message: string;
}
