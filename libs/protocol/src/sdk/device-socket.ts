import { io, ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { ClientToServerEvents, MessageAck, ServerToClientEvents, SocketHandshake, SOCKET_NAMESPACE } from '../events';
import type { Envelope } from '../wire';

export type DeviceSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * socket.io's own options, less the ones every device socket shares, and
 * `batch`: ask for batched delivery (`messages`); read envelopes with
 * receiveEnvelopes, which understands both events.
 */
export type DeviceSocketOptions = Omit<Partial<ManagerOptions & SocketOptions>, 'auth' | 'transports'> & Pick<SocketHandshake, 'batch'>;

/**
 * A device's socket on the contract's namespace (API.md section 4). A token
 * callback is read on every handshake, so reconnects present the newest token.
 * socket.io reads the namespace from the URL's path and the HTTP path from
 * its `path` option, so a base URL with a path (a server behind a reverse
 * proxy at `https://host/parley`) moves the HTTP path, not the namespace.
 */
export function openDeviceSocket(baseUrl: string, token: string | (() => string | null), options: DeviceSocketOptions = {}): DeviceSocket {
  const base = new URL(baseUrl);
  const { batch, ...socketOptions } = options;
  return io(`${base.origin}${SOCKET_NAMESPACE}`, {
    path: `${base.pathname.replace(/\/+$/, '')}/socket.io`,
    ...socketOptions,
    auth: (cb) => cb({ token: (typeof token === 'string' ? token : token()) ?? '', batch } satisfies SocketHandshake),
    // Long polling would need sticky routing across the server's processes (OPERATIONS.md).
    transports: ['websocket'],
  });
}

/**
 * A socket for one test or bench run: its own connection and no reconnects,
 * so a drop shows instead of healing. Listeners added to `socket` right away
 * see every event; `connected` rejects with the server's refusal.
 */
export function connectDeviceOnce(
  baseUrl: string,
  token: string,
  options: Pick<DeviceSocketOptions, 'batch'> = {},
): { socket: DeviceSocket; connected: Promise<DeviceSocket> } {
  const socket = openDeviceSocket(baseUrl, token, { ...options, reconnection: false, forceNew: true });
  const connected = new Promise<DeviceSocket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return { socket, connected };
}

/** What a client does with one envelope: answer `ack` once it is safely handled (`{ok: false}` to have it offered again later). */
export type EnvelopeHandler = (envelope: Envelope, ack: (reply: MessageAck) => void) => void;

/**
 * Hands every envelope the device receives to `handler`, one at a time in
 * the order they came, whether alone (`message`) or batched (`messages`,
 * API.md section 4). A batch is answered once the handler answered each
 * of its envelopes: `{ok: true}` if it accepted all of them, else a
 * refusal, and then the server offers the whole batch again later.
 */
export function receiveEnvelopes(socket: DeviceSocket, handler: EnvelopeHandler): void {
  socket.on('message', handler);
  socket.on('messages', (envelopes, ack) => {
    let unanswered = envelopes.length;
    let ok = true;
    for (const envelope of envelopes) {
      let answered = false;
      handler(envelope, (reply) => {
        if (answered) return;
        answered = true;
        ok &&= reply?.ok === true;
        if (--unanswered === 0) ack({ ok });
      });
    }
  });
}
