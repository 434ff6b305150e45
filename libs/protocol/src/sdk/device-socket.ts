import { io, ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { ClientToServerEvents, ServerToClientEvents, SOCKET_NAMESPACE } from '../events';

export type DeviceSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** socket.io's own options, less the ones every device socket shares. */
export type DeviceSocketOptions = Omit<Partial<ManagerOptions & SocketOptions>, 'auth' | 'transports'>;

/**
 * A device's socket on the contract's namespace (API.md section 4). A token
 * callback is read on every handshake, so reconnects present the newest token.
 * socket.io reads the namespace from the URL's path and the HTTP path from
 * its `path` option, so a base URL with a path (a server behind a reverse
 * proxy at `https://host/parley`) moves the HTTP path, not the namespace.
 */
export function openDeviceSocket(baseUrl: string, token: string | (() => string | null), options: DeviceSocketOptions = {}): DeviceSocket {
  const base = new URL(baseUrl);
  return io(`${base.origin}${SOCKET_NAMESPACE}`, {
    path: `${base.pathname.replace(/\/+$/, '')}/socket.io`,
    ...options,
    auth: (cb) => cb({ token: typeof token === 'string' ? token : token() }),
    // Long polling would need sticky routing across the server's processes (OPERATIONS.md).
    transports: ['websocket'],
  });
}

/**
 * A socket for one test or bench run: its own connection and no reconnects,
 * so a drop shows instead of healing. Listeners added to `socket` right away
 * see every event; `connected` rejects with the server's refusal.
 */
export function connectDeviceOnce(baseUrl: string, token: string): { socket: DeviceSocket; connected: Promise<DeviceSocket> } {
  const socket = openDeviceSocket(baseUrl, token, { reconnection: false, forceNew: true });
  const connected = new Promise<DeviceSocket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return { socket, connected };
}
