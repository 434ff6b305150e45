import { randomBytes } from 'node:crypto';
import type { SocketReply } from '@parley/protocol';
import { connectAll } from './clients';
import { Deployment, totalCpuSeconds } from './deployment';
import { createAccounts } from './population';

const SENDERS = 20;
const RECIPIENTS = 200;
const QUEUED_EACH = 100;
const CONTENT = randomBytes(300).toString('base64');

export interface DrainResult {
  envelopes: number;
  envelopesPerSecond: number;
  /** Server CPU per envelope from the first connect until the last envelope arrived. */
  serverCpuMsPerEnvelope: number;
}

/**
 * Offline drain as shared/PERFORMANCE.md measures it: 20,000 envelopes
 * queued for 200 offline devices (one-device accounts), which then all
 * connect at once and ack everything. The rate runs from the first
 * connect to the last arrival; `batch` is the recipients' handshake choice.
 */
export async function runOfflineDrain(deployment: Deployment, batch: boolean): Promise<DrainResult> {
  const url = deployment.servers[0].url;
  const senders = await connectAll([url], (await createAccounts(url, SENDERS, 1)).flat());
  const recipients = (await createAccounts(url, RECIPIENTS, 1)).flat();
  const total = RECIPIENTS * QUEUED_EACH;
  let next = 0;
  // Each sender keeps 8 sends outstanding until every envelope is queued.
  await Promise.all(
    senders.flatMap((socket) =>
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < total; i = next++) {
          const to = recipients[i % RECIPIENTS];
          const message = { destinationDeviceId: to.deviceId, destinationRegistrationId: to.registrationId, type: 2, content: CONTENT };
          const reply = await new Promise<SocketReply>((resolve) =>
            socket.emit('send', { destination: to.username, timestamp: i, messages: [message] }, resolve),
          );
          if (reply.status !== 200) throw new Error(`queueing for the drain: ${reply.status} ${JSON.stringify(reply.body)}`);
        }
      }),
    ),
  );
  senders.forEach((s) => s.disconnect());

  let arrived = 0;
  const cpuBefore = await totalCpuSeconds([url]);
  const start = Date.now();
  const sockets = await connectAll([url], recipients, { onEnvelope: () => arrived++, batch });
  while (arrived < total) await new Promise((r) => setTimeout(r, 5));
  const seconds = (Date.now() - start) / 1000;
  const cpuSeconds = (await totalCpuSeconds([url])) - cpuBefore;
  sockets.forEach((s) => s.disconnect());
  return { envelopes: total, envelopesPerSecond: total / seconds, serverCpuMsPerEnvelope: (cpuSeconds * 1000) / total };
}
