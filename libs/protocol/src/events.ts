import type { Envelope, KeyCountResponse, SendMessagesRequest } from './wire';

/** Socket namespace of the contract (section 4). */
export const SOCKET_NAMESPACE = '/v1';

export interface SocketSendRequest extends SendMessagesRequest { destination: string }
export interface SocketReply<T = unknown> { status: number; body: T }
export interface MessageAck { ok: boolean }

export interface DeliveryFailed {
  destination: string;
  timestamp: number;
  error: string;
  missingDevices?: number[];
  extraDevices?: number[];
  staleDevices?: number[];
}

/**
 * Why the server is about to close a device's socket (an extension of
 * section 4): `replaced` when a newer connection of the same device took
 * over, `device_removed` when the device was removed. A client must not
 * reconnect after either, or two copies of a device would take turns
 * closing each other.
 */
export interface ClosingNotice { reason: 'replaced' | 'device_removed' }

export interface ServerToClientEvents {
  message: (envelope: Envelope, ack: (reply: MessageAck) => void) => void;
  'keys:low': (counts: KeyCountResponse) => void;
  'delivery:failed': (failure: DeliveryFailed) => void;
  closing: (notice: ClosingNotice) => void;
}

export interface ClientToServerEvents {
  send: (request: SocketSendRequest, reply: (reply: SocketReply) => void) => void;
}
