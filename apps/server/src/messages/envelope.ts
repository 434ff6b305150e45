import type { QueuedEnvelope } from '../delivery/device-signal';

/** An envelope as stored: one row of a device's queue. */
export interface EnvelopeRecord {
  seq: string;
  id: string;
  accountId: string;
  deviceId: number;
  source: string;
  sourceDeviceId: number;
  type: number;
  content: Buffer;
  timestamp: number;
  serverTimestamp: number;
  expiresAt: Date;
}

export function toQueuedEnvelope(record: EnvelopeRecord, stored = true): QueuedEnvelope {
  return {
    seq: Number(record.seq),
    stored,
    envelope: {
      id: record.id,
      source: record.source,
      sourceDeviceId: record.sourceDeviceId,
      type: record.type,
      content: record.content.toString('base64'),
      timestamp: Number(record.timestamp),
      serverTimestamp: Number(record.serverTimestamp),
    },
  };
}
