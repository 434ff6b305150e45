import { connectDeviceOnce, receiveEnvelopes } from '@parley/protocol';
import type { DeviceSocket, Envelope } from '@parley/protocol';
import type { BenchDevice } from './population';
import { inParallel } from './population';

export interface ClientOptions {
  onEnvelope?: (envelope: Envelope) => void;
  /** Batched delivery (API.md section 4), as the SDK asks for; false for one `message` per envelope, as older clients get. */
  batch?: boolean;
}

export function connectDevice(
  baseUrl: string,
  device: BenchDevice,
  { onEnvelope, batch = true }: ClientOptions = {},
): Promise<DeviceSocket> {
  const { socket, connected } = connectDeviceOnce(baseUrl, device.token, { batch });
  receiveEnvelopes(socket, (envelope, ack) => {
    onEnvelope?.(envelope);
    ack({ ok: true });
  });
  return connected;
}

/** Connects every device, spreading them over the deployment's processes. */
export function connectAll(urls: string[], devices: BenchDevice[], options?: ClientOptions): Promise<DeviceSocket[]> {
  return inParallel(
    devices.map((d, i) => [d, urls[i % urls.length]] as const),
    64,
    ([device, url]) => connectDevice(url, device, options),
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
