import { connectDeviceOnce } from '@parley/protocol';
import type { DeviceSocket, Envelope, MessageAck } from '@parley/protocol';
import type { BenchDevice } from './population';
import { inParallel } from './population';

export function connectDevice(baseUrl: string, device: BenchDevice, onEnvelope?: (envelope: Envelope) => void): Promise<DeviceSocket> {
  const { socket, connected } = connectDeviceOnce(baseUrl, device.token);
  socket.on('message', (envelope: Envelope, ack: (reply: MessageAck) => void) => {
    onEnvelope?.(envelope);
    ack({ ok: true });
  });
  return connected;
}

/** Connects every device, spreading them over the deployment's processes. */
export function connectAll(urls: string[], devices: BenchDevice[], onEnvelope?: (envelope: Envelope) => void): Promise<DeviceSocket[]> {
  return inParallel(
    devices.map((d, i) => [d, urls[i % urls.length]] as const),
    64,
    ([device, url]) => connectDevice(url, device, onEnvelope),
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
