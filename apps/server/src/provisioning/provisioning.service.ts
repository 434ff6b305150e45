import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ErrorCode, ProvisioningEnvelope, ProvisioningSlot } from '@parley/protocol';
import type { AuthenticatedDevice, AuthenticatedUser } from '../auth/authenticated-user';
import { Clock } from '../common/clock';
import { ParleyException } from '../common/parley.exception';
import { ProvisioningRepository } from './provisioning.repository';

/** A slot lives this long: linking is done with both devices at hand. */
const SLOT_TTL_SECONDS = 600;

/**
 * Linking a new device (docs/SECURITY.md, "Linking"): the new device
 * opens a slot and shows its id and its identity key as a linking code; an
 * existing device seals the account identity to that key and leaves it
 * in the slot; the new device collects it once. The server relays
 * ciphertext only and never learns the new device's key before it
 * registers.
 */
@Injectable()
export class ProvisioningService {
  constructor(
    private readonly slots: ProvisioningRepository,
    private readonly clock: Clock,
  ) {}

  async openSlot(user: AuthenticatedUser): Promise<ProvisioningSlot> {
    const slotId = randomUUID();
    const now = this.clock.now();
    await this.slots.deleteExpired(new Date(now));
    await this.slots.insertSlot(slotId, user.accountId, new Date(now + SLOT_TTL_SECONDS * 1000));
    return { slotId, expiresIn: SLOT_TTL_SECONDS };
  }

  async leaveMessage(approver: AuthenticatedDevice, slotId: string, envelope: ProvisioningEnvelope): Promise<void> {
    const outcome = await this.slots.fillSlot(slotId, approver.accountId, envelope.message, new Date(this.clock.now()));
    if (outcome === 'missing') throw new ParleyException(ErrorCode.NotFound, 'no open linking slot with this id on this account');
    if (outcome === 'filled') throw new ParleyException(ErrorCode.SlotUsed, 'this linking slot already holds a message');
  }

  /** The sealed message, once; null while the existing device has not approved yet. */
  async collectMessage(user: AuthenticatedUser, slotId: string): Promise<ProvisioningEnvelope | null> {
    const message = await this.slots.collectSlot(slotId, user.accountId, new Date(this.clock.now()));
    if (message === undefined) throw new ParleyException(ErrorCode.NotFound, 'no open linking slot with this id on this account');
    return message === null ? null : { message };
  }
}
