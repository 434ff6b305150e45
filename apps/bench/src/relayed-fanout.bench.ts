import { randomBytes, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { OutgoingMessage } from '@parley/protocol';
import { generateServerKey, loadPrivateKey, newNonce, rawPublicKey, signRequest } from '../../server/src/federation/signature';
import { Deployment, totalCpuSeconds } from './deployment';
import { BenchDevice, createAccounts } from './population';

/** The paths by which a fan-out reaches the envelope store. */
export const FANOUT_PATHS = ['local', 'local, keyed', 'relayed'] as const;
export type FanoutPath = (typeof FANOUT_PATHS)[number];

const RECIPIENTS = 100;
const LOCAL_SENDERS = 20;
const CONTENT = randomBytes(300).toString('base64');
/** Fan-outs in flight in the concurrent phase: enough that the store batches. */
export const IN_FLIGHT = 32;
/** The made-up peer that relays fan-outs to the server under test; its key is given in PARLEY_PEERS, so it is never contacted. */
const PEER = 'peer.bench';
const PEER_KEY = generateServerKey();
const MESSAGES_PATH = '/federation/v1/messages';

/** PARLEY_PEERS for the deployment: the made-up peer with its key pinned (plain http admitted: nothing is ever fetched from it). */
export const relayPeerEnv = () => ({
  PARLEY_PEERS: `${PEER}=http://127.0.0.1:9#${rawPublicKey(loadPrivateKey(PEER_KEY))}`,
  FEDERATION_ALLOW_HTTP: 'true',
});

export interface FanoutCost {
  /** Wall-clock µs per fan-out, one request at a time: what one sender waits. */
  sequentialMicros: number;
  /** Wall-clock µs per fan-out with IN_FLIGHT at once (1e6 / rate). */
  concurrentMicros: number;
  /** Server CPU µs per fan-out in the concurrent phase. */
  serverCpuMicros: number;
  refused: number;
}

interface Population {
  url: string;
  domain: string;
  key: KeyObject;
  senders: BenchDevice[];
  recipients: { username: string; messages: OutgoingMessage[] }[];
}

/** One fan-out to two devices of a recipient by `path`; resolves with the HTTP status. */
async function send(population: Population, path: FanoutPath, i: number): Promise<number> {
  const recipient = population.recipients[i % population.recipients.length];
  const fanout = { timestamp: Date.now(), messages: recipient.messages };
  if (path !== 'relayed') {
    const sender = population.senders[i % population.senders.length];
    const res = await fetch(`${population.url}/v1/messages/${recipient.username}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sender.token}` },
      body: JSON.stringify(path === 'local' ? fanout : { ...fanout, idempotencyKey: randomUUID() }),
    });
    await res.arrayBuffer();
    return res.status;
  }
  const body = Buffer.from(
    JSON.stringify({
      ...fanout,
      transactionId: randomUUID(),
      source: `sender${i % LOCAL_SENDERS}@${PEER}`,
      sourceDeviceId: 1,
      destination: recipient.username,
    }),
  );
  const headers = signRequest(population.key, {
    method: 'POST',
    path: MESSAGES_PATH,
    origin: PEER,
    destination: population.domain,
    timestamp: Date.now(),
    nonce: newNonce(),
    body,
  });
  const res = await fetch(`${population.url}${MESSAGES_PATH}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** `count` fan-outs by `path` with `inFlight` at once; returns the elapsed seconds and the refusals. */
async function run(population: Population, path: FanoutPath, count: number, inFlight: number) {
  let next = 0;
  let refused = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) if ((await send(population, path, next++)) !== 200) refused++;
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, refused };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The cost of one fan-out by each path, over HTTP to a running server:
 * local sends (PUT /v1/messages, with and without an idempotency key) and
 * fan-outs relayed by a peer (signed POST /federation/v1/messages, which
 * adds the signature check and the nonce). Recipients have two devices and
 * are not connected, so the figures are the store's, not delivery's. The
 * paths alternate within each of `rounds` rounds, and each figure is the
 * median over the rounds, so that a noisy stretch of the machine falls on
 * every path alike.
 */
export async function runRelayedFanouts(deployment: Deployment, rounds: number, sends: number): Promise<Map<FanoutPath, FanoutCost>> {
  const { url } = deployment.servers[0];
  const { domain } = (await (await fetch(`${url}/federation/v1/server-key`)).json()) as { domain: string };
  const population: Population = {
    url,
    domain,
    key: loadPrivateKey(PEER_KEY),
    senders: (await createAccounts(url, LOCAL_SENDERS, 1)).flat(),
    recipients: (await createAccounts(url, RECIPIENTS, 2)).map((devices) => ({
      username: devices[0].username,
      messages: devices.map((d) => ({
        destinationDeviceId: d.deviceId,
        destinationRegistrationId: d.registrationId,
        type: 2,
        content: CONTENT,
      })),
    })),
  };
  for (const path of FANOUT_PATHS) await run(population, path, sends / 2, IN_FLIGHT); // warm-up
  const samples = new Map(FANOUT_PATHS.map((p) => [p, [] as FanoutCost[]]));
  for (let round = 0; round < rounds; round++) {
    for (const path of FANOUT_PATHS) {
      const sequential = await run(population, path, sends / 4, 1);
      const cpuBefore = await totalCpuSeconds([url]);
      const concurrent = await run(population, path, sends, IN_FLIGHT);
      const cpuSeconds = (await totalCpuSeconds([url])) - cpuBefore;
      samples.get(path)!.push({
        sequentialMicros: (sequential.seconds * 1e6) / (sends / 4),
        concurrentMicros: (concurrent.seconds * 1e6) / sends,
        serverCpuMicros: (cpuSeconds * 1e6) / sends,
        refused: sequential.refused + concurrent.refused,
      });
    }
  }
  return new Map(
    [...samples].map(([path, costs]) => [
      path,
      {
        sequentialMicros: median(costs.map((c) => c.sequentialMicros)),
        concurrentMicros: median(costs.map((c) => c.concurrentMicros)),
        serverCpuMicros: median(costs.map((c) => c.serverCpuMicros)),
        refused: costs.reduce((sum, c) => sum + c.refused, 0),
      },
    ]),
  );
}
