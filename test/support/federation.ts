import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { OutgoingMessage } from '@parley/protocol';
import { freePort } from '@parley/testkit';
import type { TestDevice } from './fixtures';
import { HttpRewriteProxy } from './http-proxy';
import { startServer, TestServer } from './server';

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

/** The retry window of FlakyPeers' a.test: a send that cannot reach b.test for this long is given up. */
export const FLAKY_RETRY_WINDOW_SECONDS = 3;

/**
 * a.test and b.test, a.test reaching b.test through a proxy that can make
 * b.test look down: `peerDown()` answers every fan-out with an unsigned
 * 503, so a.test queues the send (202), and gives it up after
 * FLAKY_RETRY_WINDOW_SECONDS unless `peerUp()` comes first.
 */
export interface FlakyPeers {
  a: TestServer;
  b: TestServer;
  peerDown(): void;
  peerUp(): void;
  stop(): Promise<void>;
}

export async function startFlakyPeers(): Promise<FlakyPeers> {
  const [portA, portB] = [await freePort(), await freePort()];
  const b = await startServer({
    ...FAST_RETRIES,
    PORT: String(portB),
    PARLEY_DOMAIN: 'b.test',
    PARLEY_PEERS: `a.test=http://127.0.0.1:${portA}`,
  });
  const proxy = await HttpRewriteProxy.start(b.url);
  const a = await startServer({
    ...FAST_RETRIES,
    PORT: String(portA),
    PARLEY_DOMAIN: 'a.test',
    PARLEY_PEERS: `b.test=${proxy.url}`,
    FEDERATION_RETRY_WINDOW_SECONDS: String(FLAKY_RETRY_WINDOW_SECONDS),
  });
  return {
    a,
    b,
    peerDown: () => {
      proxy.forgery = {
        answer: (r) =>
          r.path === '/federation/v1/messages' ? { status: 503, body: { error: 'service_unavailable', message: 'down' } } : null,
      };
    },
    peerUp: () => {
      proxy.forgery = {};
    },
    stop: async () => {
      await a.stop();
      await proxy.close();
      await b.stop();
    },
  };
}
