import { MAX_ENVELOPES_PER_BATCH } from '@parley/protocol';
import type { MessageAck, ServerToClientEvents } from '@parley/protocol';
import type { QueuedEnvelope } from '../delivery/device-signal';
import type { QueueAccess } from '../messages/device-queue.service';

/** The part of a device's socket a connection writes to. */
export interface EnvelopeSink {
  emit(event: 'message', ...args: Parameters<ServerToClientEvents['message']>): unknown;
  emit(event: 'messages', ...args: Parameters<ServerToClientEvents['messages']>): unknown;
}

/** Unacknowledged envelopes (not packets) per connection: bounds server memory per slow device. */
export const MAX_IN_FLIGHT = 128;
/**
 * A batch takes no more envelopes once its contents reach this many
 * characters, so one packet stays about the size of one HTTP request
 * (Limits.maxRequestBytes) however large the envelopes are.
 */
export const MAX_BATCH_CONTENT_CHARS = 1024 * 1024;
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
 *
 * A batching connection (the client asked for `messages` in its
 * handshake) collects what it sends during one turn of the event loop and
 * writes it as few packets with one ack each: socket.io's cost per packet
 * (encoding, a websocket frame, a write, ack bookkeeping) is paid per
 * batch on the server and the client alike. Live envelopes of one group
 * commit arrive in the same turn, and so does a page of a drain.
 */
export class DeviceConnection {
  private readonly inFlight = new Set<string>();
  private readonly sentIds = new Set<string>();
  private held: QueuedEnvelope[] = [];
  /** Counted in flight, waiting for the end of this turn to go out as batches (batching connections only). */
  private unwritten: QueuedEnvelope[] = [];
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
    private readonly batching = false,
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
    if (!this.batching) {
      this.socket.emit('message', envelope, (ack: MessageAck) => void this.acknowledged([queued], ack));
      return;
    }
    this.unwritten.push(queued);
    if (this.unwritten.length === 1) setImmediate(() => this.writeBatches());
  }

  /** Writes what this turn sent, in order, one ack per packet. */
  private writeBatches() {
    const unwritten = this.unwritten;
    this.unwritten = [];
    // After close the envelopes stay queued; the next connection delivers them.
    if (this.closed) return;
    for (const batch of toBatches(unwritten)) {
      this.socket.emit(
        'messages',
        batch.map((q) => q.envelope),
        (ack: MessageAck) => void this.acknowledged(batch, ack),
      );
    }
  }

  /** One ack answers every envelope of its packet: all are deleted, or (refused) all are offered again by the next drain. */
  private async acknowledged(sent: QueuedEnvelope[], ack: MessageAck) {
    const answered = sent.filter((q) => this.inFlight.delete(q.envelope.id));
    if (answered.length === 0) return;
    if (ack?.ok !== true) {
      answered.forEach((q) => this.sentIds.delete(q.envelope.id));
    } else {
      // Ids whose delete fails stay queued and are delivered again later.
      await Promise.all(answered.filter((q) => q.stored).map((q) => this.queue.acknowledge(q.envelope.id).catch(() => undefined)));
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

/** Cuts envelopes, in order, into packets of at most MAX_ENVELOPES_PER_BATCH, closing one once its contents reach MAX_BATCH_CONTENT_CHARS. */
function toBatches(queued: QueuedEnvelope[]): QueuedEnvelope[][] {
  const batches: QueuedEnvelope[][] = [];
  let batch: QueuedEnvelope[] = [];
  let chars = 0;
  for (const q of queued) {
    if (batch.length === MAX_ENVELOPES_PER_BATCH || chars >= MAX_BATCH_CONTENT_CHARS) {
      batches.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(q);
    chars += q.envelope.content.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
