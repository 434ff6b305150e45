import { connectDeviceOnce, receiveEnvelopes } from '@parley/protocol';
import type { DeviceSocket, Envelope, KeyCountResponse, MessageAck, SocketReply, SocketSendRequest } from '@parley/protocol';
import type { TestServer } from './server';

/**
 * A device's socket.io connection for tests: records every envelope and
 * `keys:low`, acks automatically unless told not to, and waits for counts
 * with a deadline instead of sleeping. It is an older client (one `message`
 * per envelope) unless opened with `batch: true`.
 */
export interface TestSocket {
  socket: DeviceSocket;
  envelopes: Envelope[];
  /** Every delivery packet as it came, with its own ack: one envelope (`message`) or a batch (`messages`). */
  packets: { event: 'message' | 'messages'; envelopes: Envelope[]; ack: (reply: MessageAck) => void }[];
  keysLow: KeyCountResponse[];
  /** Reasons the server gave before closing the socket (`closing`). */
  closing: string[];
  /** When false, envelopes are recorded but not acknowledged. */
  autoAck: boolean;
  waitForEnvelopes(count: number, timeoutMs?: number): Promise<Envelope[]>;
  send(request: SocketSendRequest): Promise<SocketReply<any>>;
  close(): void;
}

export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface TestSocketOptions {
  autoAck?: boolean;
  batch?: boolean;
}

export function openSocket(server: Pick<TestServer, 'url'>, token: string, options: TestSocketOptions = {}): Promise<TestSocket> {
  const { socket, connected } = connectDeviceOnce(server.url, token, { batch: options.batch });
  const state: TestSocket = {
    socket,
    envelopes: [],
    packets: [],
    keysLow: [],
    closing: [],
    autoAck: options.autoAck ?? true,
    async waitForEnvelopes(count, timeoutMs = 10_000) {
      await until(() => state.envelopes.length >= count, timeoutMs, `${count} envelopes (have ${state.envelopes.length})`);
      return state.envelopes;
    },
    send: (request) => new Promise((resolve) => socket.emit('send', request, resolve)),
    close: () => {
      socket.disconnect();
    },
  };
  socket.on('message', (envelope, ack) => state.packets.push({ event: 'message', envelopes: [envelope], ack }));
  socket.on('messages', (envelopes, ack) => state.packets.push({ event: 'messages', envelopes, ack }));
  receiveEnvelopes(socket, (envelope, ack) => {
    state.envelopes.push(envelope);
    if (state.autoAck) ack({ ok: true });
  });
  socket.on('keys:low', (counts) => state.keysLow.push(counts));
  socket.on('closing', (notice) => state.closing.push(notice.reason));
  return connected.then(() => state);
}

/**
 * The sockets a test file opens, closed together after each test:
 * `const sockets = socketPool(() => server); afterEach(sockets.closeAll)`.
 */
export function socketPool(server: () => Pick<TestServer, 'url'>) {
  const open: TestSocket[] = [];
  return {
    connect: async (device: { token: string }, options?: TestSocketOptions) => {
      const socket = await openSocket(server(), device.token, options);
      open.push(socket);
      return socket;
    },
    closeAll: () => {
      open.splice(0).forEach((s) => s.close());
    },
  };
}
