import { EventEmitter } from 'node:events';
import { ClosingNotice } from '../events';
import { DeviceSocket, EnvelopeHandler, openDeviceSocket, receiveEnvelopes } from './device-socket';
import { TokenKeeper } from './token-keeper';

/** The server closed the socket for good (its `closing` notice); reconnecting would be wrong. */
export class RealtimeClosedError extends Error {
  constructor(readonly reason: ClosingNotice['reason']) {
    super(`the server closed the connection: ${reason}`);
    this.name = 'RealtimeClosedError';
  }
}

/** After these, reconnecting would fight a newer connection of the device, or a device that is gone. */
const FINAL_CLOSINGS: ReadonlySet<string> = new Set(['replaced', 'device_removed']);

/**
 * Connection state changes a UI can show: `unreachable` when an attempt to
 * connect failed (no network, no server, or the server's `unavailable`),
 * and another follows by itself; `closed` is final (the device's tokens are no longer accepted).
 */
export interface RealtimeStatusEvents {
  connected: [];
  disconnected: [reason: string];
  unreachable: [reason: string];
  closed: [error: Error];
}

/** Pause before connecting again after the server answered `unavailable`. */
const UNAVAILABLE_RETRY_MS = 2000;

/**
 * The device's socket (API.md section 4) with the reconnect rules the
 * contract implies. socket.io retries lost transports by itself, but not a
 * refusal by the server: `unauthorized` on connect, or a server-side
 * disconnect, usually means the access token expired, so those refresh the
 * tokens and connect again; only a refused refresh ends the connection.
 * The handshake reads the token on every attempt, so reconnects always use
 * the newest one. A `closing` notice of `replaced` or `device_removed` ends
 * the connection at once, as the notice asks. It asks for batched
 * delivery, so envelopes are read through `onEnvelope`, not the socket's
 * `message` event.
 */
export class RealtimeConnection extends EventEmitter<RealtimeStatusEvents> {
  /** For events other than envelopes: those come batched, through `onEnvelope`. */
  readonly socket: DeviceSocket;
  private closed = false;

  constructor(
    baseUrl: string,
    private readonly tokens: TokenKeeper,
  ) {
    super();
    this.socket = openDeviceSocket(baseUrl, () => this.tokens.accessToken, {
      autoConnect: false,
      reconnectionDelayMax: 5000,
      batch: true,
    });
    this.socket.on('connect', () => this.emit('connected'));
    this.socket.on('connect_error', (error) => {
      if (error.message === 'unauthorized') return this.refreshAndReconnect();
      this.emit('unreachable', error.message);
      // The server's shared state (Redis) is down: socket.io does not retry a
      // refusal by the server on its own, so try again shortly.
      if (error.message === 'unavailable')
        setTimeout(() => {
          if (!this.closed) this.socket.connect();
        }, UNAVAILABLE_RETRY_MS);
    });
    this.socket.on('closing', ({ reason }) => {
      if (FINAL_CLOSINGS.has(reason)) this.fail(new RealtimeClosedError(reason));
    });
    this.socket.on('disconnect', (reason) => {
      if (this.closed) return;
      this.emit('disconnected', reason);
      if (reason === 'io server disconnect') this.refreshAndReconnect();
    });
  }

  /** Every envelope, one at a time, in order; see receiveEnvelopes. */
  onEnvelope(handler: EnvelopeHandler): this {
    receiveEnvelopes(this.socket, handler);
    return this;
  }

  connect(): this {
    this.socket.connect();
    return this;
  }

  close(): void {
    this.closed = true;
    this.socket.disconnect();
  }

  private refreshAndReconnect(): void {
    if (this.closed) return;
    this.tokens.refresh(this.tokens.accessToken).then(
      () => {
        if (!this.closed) this.socket.connect();
      },
      (error: Error) => this.fail(error),
    );
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.close();
    this.emit('closed', error);
  }
}
