import { io, Socket } from 'socket.io-client';
import type { ClientToServerEvents, Envelope, MessageAck, ServerToClientEvents } from '@parley/protocol';
import type { BenchDevice } from './population';
import { inParallel } from './population';

export type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export function connectDevice(baseUrl: string, device: BenchDevice, onEnvelope?: (envelope: Envelope) => void): Promise<BenchSocket> {
  const socket: BenchSocket = io(`${baseUrl}/v1`, { auth: { token: device.token }, transports: ['websocket'], reconnection: false, forceNew: true });
  socket.on('message', (envelope: Envelope, ack: (reply: MessageAck) => void) => {
    onEnvelope?.(envelope);
    ack({ ok: true });
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Connects every device, spreading them over the deployment's processes. */
export function connectAll(urls: string[], devices: BenchDevice[], onEnvelope?: (envelope: Envelope) => void): Promise<BenchSocket[]> {
  return inParallel(devices.map((d, i) => [d, urls[i % urls.length]] as const), 64, ([device, url]) => connectDevice(url, device, onEnvelope));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
