import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { OutgoingMessage } from '@parley/protocol';
import type { TestDevice } from './fixtures';
import type { TestServer } from './server';

/** Short outbox retry intervals, so federation outage and crash tests take seconds, not minutes. */
export const FAST_RETRIES = {
  FEDERATION_RETRY_BASE_MS: '200',
  FEDERATION_RETRY_MAX_MS: '800',
  FEDERATION_OUTBOX_POLL_MS: '100',
  FEDERATION_REQUEST_TIMEOUT_MS: '3000',
};

/** One opaque message per device: the servers relay and store it without reading it. */
export const opaqueTo = (devices: TestDevice[]): OutgoingMessage[] =>
  devices.map((d) => ({
    destinationDeviceId: d.deviceId,
    destinationRegistrationId: d.keys.registrationId,
    type: 2,
    content: Buffer.from('opaque').toString('base64'),
  }));

/** A sample's value from the server's GET /metrics, `labels` as written there (`peer="b.test"`); null when absent. */
export async function metric(server: TestServer, name: string, labels: string): Promise<number | null> {
  const body = await (await fetch(`${server.url}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : null;
}

const ADMIN = join(__dirname, '..', '..', 'dist', 'apps', 'server', 'apps', 'server', 'src', 'admin.js');

/**
 * Runs parley-admin (the build in dist) on a test server's database, with
 * that server's environment. With embedded storage, stop the server first:
 * one process at a time may open a data dir.
 */
export function admin(server: TestServer, ...args: string[]): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [ADMIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...server.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, out: run.stdout + run.stderr };
}
