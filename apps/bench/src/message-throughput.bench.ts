import { randomBytes, randomUUID } from 'node:crypto';
import type { DeviceSocket, Envelope, OutgoingMessage } from '@parley/protocol';
import { connectAll, percentile } from './clients';
import { Deployment, totalCpuSeconds } from './deployment';
import { BenchDevice, createAccounts } from './population';

const SENDERS = 50;
const RECIPIENTS = 50;
const DEVICES_PER_RECIPIENT = 2;
const CONTENT = randomBytes(300).toString('base64');
/** Sends each sender keeps outstanding when pushing for the maximum rate. */
const WINDOW_PER_SENDER = 8;
/** Half of the 5,000 envelopes/s that issue 3 aims at on PostgreSQL; its p99 goal is 50 ms here. */
export const GOAL_HALF_RATE = 2500;
/** Paced phases start with this long unmeasured, so the flat-out phase's backlog and caches settle first. */
const PACED_WARMUP_SECONDS = 3;

export interface ThroughputResult {
  maxEnvelopesPerSecond: number;
  /** Server CPU per delivered envelope at the maximum rate: less sensitive than rates to other load on the machine. */
  serverCpuMsPerEnvelope: number;
  latencyAtMax: { p50: number; p99: number };
  latencyAtHalf: { p50: number; p99: number; rate: number };
  latencyAtQuarter: { p50: number; p99: number; rate: number };
  /** Latency at GOAL_HALF_RATE, half of issue 3's 5,000 envelopes/s goal. */
  latencyAtGoalHalf: { p50: number; p99: number; rate: number };
  leftInQueues: number;
  refusedSends: number;
}

/** The fan-outs sent from `since` on, and how long each took to reach every device of its recipient. */
interface Phase {
  since: number;
  latencies: number[];
}

/**
 * Deliveries, and how long a user waited for each fan-out: from the
 * sender's `send` (the fan-out's client timestamp, unique per sender) to
 * its arrival at the last of the recipient's devices. A fan-out counts in
 * the phase it was sent in, however late it arrives, so a phase can start
 * while the previous one's backlog still drains.
 */
class Arrivals {
  count = 0;
  private readonly phases: Phase[] = [];
  private readonly waiting = new Map<string, number>();

  constructor(private readonly devicesPerRecipient: number) {}

  startPhase(): Phase {
    const phase = { since: Date.now(), latencies: [] };
    this.phases.push(phase);
    return phase;
  }

  record(envelope: Envelope) {
    this.count++;
    const fanout = `${envelope.source}|${envelope.timestamp}`;
    const arrived = (this.waiting.get(fanout) ?? 0) + 1;
    if (arrived < this.devicesPerRecipient) return void this.waiting.set(fanout, arrived);
    this.waiting.delete(fanout);
    const phase = this.phases.findLast((p) => p.since <= envelope.timestamp);
    phase?.latencies.push(Date.now() - envelope.timestamp);
  }
}

export interface ThroughputOptions {
  /** Every send carries a fresh idempotency key, as the SDK's sends do. */
  keyed: boolean;
  /** Recipients ask for batched delivery, as the SDK does; false measures one `message` per envelope. */
  batch: boolean;
}

interface Population {
  senders: { device: BenchDevice; socket: DeviceSocket; lastTimestamp: number }[];
  fanouts: { address: string; messages: OutgoingMessage[] }[];
  delivered: Arrivals;
  close: () => void;
  recipients: BenchDevice[];
  keyed: boolean;
}

async function populate(deployment: Deployment, { keyed, batch }: ThroughputOptions): Promise<Population> {
  const urls = deployment.servers.map((s) => s.url);
  const senders = (await createAccounts(urls[0], SENDERS, 1)).flat();
  const recipientAccounts = await createAccounts(urls[0], RECIPIENTS, DEVICES_PER_RECIPIENT);
  const delivered = new Arrivals(DEVICES_PER_RECIPIENT);
  const recipientSockets = await connectAll(urls, recipientAccounts.flat(), {
    onEnvelope: (envelope) => delivered.record(envelope),
    batch,
  });
  // Senders talk to the first process; recipients are spread over all of them.
  const senderSockets = await connectAll([urls[0]], senders);
  return {
    senders: senders.map((device, i) => ({ device, socket: senderSockets[i], lastTimestamp: 0 })),
    fanouts: recipientAccounts.map((devices) => ({
      address: devices[0].username,
      messages: devices.map((d) => ({
        destinationDeviceId: d.deviceId,
        destinationRegistrationId: d.registrationId,
        type: 2,
        content: CONTENT,
      })),
    })),
    delivered,
    recipients: recipientAccounts.flat(),
    keyed,
    close: () => [...senderSockets, ...recipientSockets].forEach((s) => s.disconnect()),
  };
}

function sendFanout(population: Population, i: number): Promise<number> {
  const sender = population.senders[i % population.senders.length];
  const fanout = population.fanouts[i % population.fanouts.length];
  // The send time, made unique per sender: it names the fan-out at arrival.
  sender.lastTimestamp = Math.max(Date.now(), sender.lastTimestamp + 1);
  return new Promise((resolve) =>
    sender.socket.emit(
      'send',
      {
        destination: fanout.address,
        timestamp: sender.lastTimestamp,
        messages: fanout.messages,
        ...(population.keyed && { idempotencyKey: randomUUID() }),
      },
      (reply) => resolve(reply.status),
    ),
  );
}

/** Every sender keeps WINDOW_PER_SENDER sends outstanding for `seconds`. */
async function pushFlatOut(population: Population, seconds: number, refused: { n: number }): Promise<void> {
  const until = Date.now() + seconds * 1000;
  let counter = 0;
  await Promise.all(
    population.senders.flatMap(() =>
      Array.from({ length: WINDOW_PER_SENDER }, async () => {
        while (Date.now() < until) {
          if ((await sendFanout(population, counter++)) !== 200) refused.n++;
        }
      }),
    ),
  );
}

/** Sends fan-outs at a steady `envelopesPerSecond` for `seconds`. */
async function pace(population: Population, envelopesPerSecond: number, seconds: number, refused: { n: number }): Promise<void> {
  const fanoutsPerSecond = envelopesPerSecond / 2;
  const start = Date.now();
  const pending: Promise<void>[] = [];
  let sent = 0;
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * fanoutsPerSecond);
    for (; sent < due; sent++)
      pending.push(
        sendFanout(population, sent).then((s) => {
          if (s !== 200) refused.n++;
        }),
      );
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
}

/** Runs a phase; its rate counts deliveries while it runs, its latencies (read once everything arrived) the fan-outs it sent. */
async function measure(population: Population, run: () => Promise<void>) {
  const phase = population.delivered.startPhase();
  const countBefore = population.delivered.count;
  await run();
  const elapsed = (Date.now() - phase.since) / 1000;
  return { rate: (population.delivered.count - countBefore) / elapsed, phase };
}

function latency({ latencies }: Phase) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function queuedLeft(baseUrl: string, recipients: BenchDevice[]): Promise<number> {
  let left = 0;
  for (const device of recipients) {
    const res = await fetch(`${baseUrl}/v1/messages`, { headers: { authorization: `Bearer ${device.token}` } });
    left += ((await res.json()) as { messages: unknown[] }).messages.length;
  }
  return left;
}

/** Paces at `envelopesPerSecond` for `seconds`, measured from the first send; after a warm-up at that rate when `warmUp`. */
async function measurePaced(population: Population, envelopesPerSecond: number, seconds: number, refused: { n: number }, warmUp: boolean) {
  if (warmUp) {
    population.delivered.startPhase(); // the warm-up's own, not reported
    await pace(population, envelopesPerSecond, PACED_WARMUP_SECONDS, refused);
  }
  return measure(population, () => pace(population, envelopesPerSecond, seconds, refused));
}

/**
 * 50 senders fan out ~300-byte ciphertexts to 50 recipients with 2
 * connected devices each, over socket.io `send`: first flat out (maximum
 * rate), then at once, with no pause to recover, paced at half of it; then
 * at a quarter and at GOAL_HALF_RATE, each after a warm-up at its rate.
 * Latency is what a user waits for: from the sender's `send` to the
 * fan-out's arrival at both recipient devices.
 */
export async function runMessageThroughput(deployment: Deployment, seconds: number, options: ThroughputOptions): Promise<ThroughputResult> {
  const population = await populate(deployment, options);
  const refused = { n: 0 };
  try {
    await pushFlatOut(population, 3, refused); // warm-up
    const urls = deployment.servers.map((s) => s.url);
    const cpuBefore = await totalCpuSeconds(urls);
    const max = await measure(population, () => pushFlatOut(population, seconds, refused));
    const cpuSeconds = (await totalCpuSeconds(urls)) - cpuBefore;
    const half = await measurePaced(population, max.rate / 2, seconds, refused, false);
    await new Promise((r) => setTimeout(r, 1000));
    const quarter = await measurePaced(population, max.rate / 4, seconds, refused, true);
    const goalHalf = await measurePaced(population, GOAL_HALF_RATE, seconds, refused, true);
    await new Promise((r) => setTimeout(r, 1000));
    return {
      maxEnvelopesPerSecond: max.rate,
      serverCpuMsPerEnvelope: (cpuSeconds * 1000) / (max.rate * seconds),
      latencyAtMax: latency(max.phase),
      latencyAtHalf: { ...latency(half.phase), rate: half.rate },
      latencyAtQuarter: { ...latency(quarter.phase), rate: quarter.rate },
      latencyAtGoalHalf: { ...latency(goalHalf.phase), rate: goalHalf.rate },
      leftInQueues: await queuedLeft(deployment.servers[0].url, population.recipients),
      refusedSends: refused.n,
    };
  } finally {
    population.close();
  }
}
