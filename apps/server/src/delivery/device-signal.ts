import type { AuditEntry, ClosingNotice, DeliveryFailed, Envelope, KeyCountResponse } from '@parley/protocol';

/**
 * What travels to a device's connection: the wire envelope plus the queue
 * position (for ordering a drain) and whether it is stored at all
 * (`online: true` envelopes are not, so their acks delete nothing).
 */
export interface QueuedEnvelope {
  seq: number;
  stored: boolean;
  envelope: Envelope;
}

/**
 * Everything a device hears about besides the replies to its own
 * requests, wherever its socket is connected. Every producer publishes
 * these on the DeliveryBus; the gateway is the one consumer.
 */
export type DeviceSignal =
  | { kind: 'envelope'; queued: QueuedEnvelope }
  /** A newer connection of the device: every other connection closes (the newer one wins). */
  | { kind: 'takeover'; connectionId: string }
  /** Sessions ended (logout, revocation, device removal): connections authenticated by them close. */
  | { kind: 'sessionsEnded'; sessionIds: string[]; reason: ClosingNotice['reason'] }
  /** The device's one-time keys of either kind fell below PREKEY_LOW_THRESHOLD. */
  | { kind: 'keysLow'; counts: KeyCountResponse }
  /** A federated send this device queued was finally refused or given up. */
  | { kind: 'deliveryFailed'; failure: DeliveryFailed }
  /** A new entry of the device's account's audit log. */
  | { kind: 'audit'; entry: AuditEntry };

export type DeviceSignalHandler = (signal: DeviceSignal) => void;
