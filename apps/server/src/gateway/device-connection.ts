import type { Envelope, MessageAck, ServerToClientEvents } from '@parley/protocol';
import type { QueuedEnvelope } from '../delivery/device-signal';
import type { QueueAccess } from '../messages/device-queue.service';

/** The part of a device's socket a connection writes to. */
export interface EnvelopeSink {
  emit: (event: 'message', ...args: Parameters<ServerToClientEvents['message']>) => unknown;
}

/** Unacknowledged deliveries per connection: bounds server memory per slow device. */
export const MAX_IN_FLIGHT = 128;
/** Live envelopes held while the queue drains; past this, the drain simply runs again. */
const MAX_HELD_DURING_DRAIN = 1024;
/** Ids remembered so a redelivery through another path (queue and live) is sent once. */
const MAX_REMEMBERED_IDS = 4096;

/**
 * Delivery to one connected device: first everything queued, oldest
 * first, then live envelopes as they come, with at most MAX_IN_FLIGHT
 * unacknowledged at once. Anything not sent now stays in the durable
 * queue and is picked up by the next drain, so a full window or an
 * overflow never loses an envelope (delivery is at least once).
 */
export class DeviceConnection {
  private readonly inFlight = new Set<string>();
  private readonly sentIds = new Set<string>();
  private held: QueuedEnvelope[] = [];
  private draining = false;
  /**
   * Stored envelopes are waiting in the queue: live ones must not overtake
   * them. True from the start: the connection hears live envelopes (it is
   * subscribed during the handshake) before its first drain runs.
   */
  private pendingDrain = true;
  private closed = false;

  constructor(
    private readonly socket: EnvelopeSink,
    private readonly queue: QueueAccess,
  ) {}

  /** Drains the queue; live envelopes arriving meanwhile are held and sent after it, in queue order. */
  async drain(): Promise<void> {
    if (this.draining) {
      this.pendingDrain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.pendingDrain = false;
        const complete = await this.sendQueued();
        const held = this.held.sort((a, b) => a.seq - b.seq);
        this.held = [];
        if (!complete) {
          // The window filled up: stored envelopes come later from the queue, in order.
          this.pendingDrain = true;
          held.filter((q) => !q.stored).forEach((q) => this.sendOrDefer(q));
          return;
        }
        held.forEach((q) => this.sendOrDefer(q));
      } while (this.pendingDrain && !this.closed);
    } finally {
      this.draining = false;
    }
  }

  /** A live envelope from the delivery bus. */
  offer(queued: QueuedEnvelope) {
    if (this.closed) return;
    if (!this.draining) {
      this.sendOrDefer(queued);
      return;
    }
    if (this.held.length < MAX_HELD_DURING_DRAIN) this.held.push(queued);
    else if (queued.stored) this.pendingDrain = true;
  }

  close() {
    this.closed = true;
  }

  /** Sends from the queue until it is exhausted (true) or the window is full (false). */
  private async sendQueued(): Promise<boolean> {
    let afterSeq = 0;
    while (!this.closed) {
      const room = MAX_IN_FLIGHT - this.inFlight.size;
      if (room <= 0) return false;
      const page = await this.queue.pageQueue(afterSeq, room);
      page.forEach((q) => this.send(q));
      if (page.length < room) return true;
      afterSeq = page[page.length - 1].seq;
    }
    return true;
  }

  /** Online-only envelopes beyond the window are dropped; stored ones wait in the queue. */
  private sendOrDefer(queued: QueuedEnvelope) {
    const windowFull = this.inFlight.size >= MAX_IN_FLIGHT;
    if (queued.stored && (this.pendingDrain || windowFull)) {
      this.pendingDrain = true;
      return;
    }
    if (!windowFull) this.send(queued);
  }

  private send(queued: QueuedEnvelope) {
    const { envelope } = queued;
    if (this.closed || this.sentIds.has(envelope.id)) return;
    this.remember(envelope.id);
    this.inFlight.add(envelope.id);
    this.socket.emit('message', envelope, (ack: MessageAck) => void this.acknowledged(envelope, queued.stored, ack));
  }

  private async acknowledged(envelope: Envelope, stored: boolean, ack: MessageAck) {
    if (!this.inFlight.delete(envelope.id)) return;
    if (ack?.ok !== true) {
      this.sentIds.delete(envelope.id); // refused: the next drain offers it again
    } else if (stored) {
      await this.queue.acknowledge(envelope.id).catch(() => undefined); // stays queued: redelivered later
    }
    if (this.pendingDrain && !this.draining && this.inFlight.size <= MAX_IN_FLIGHT / 2) void this.drain();
  }

  private remember(id: string) {
    this.sentIds.add(id);
    if (this.sentIds.size <= MAX_REMEMBERED_IDS) return;
    for (const old of this.sentIds) {
      if (this.sentIds.size <= MAX_REMEMBERED_IDS / 2) break;
      if (!this.inFlight.has(old)) this.sentIds.delete(old);
    }
  }
}
