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

export interface ServerToClientEvents {
  message: (envelope: Envelope, ack: (reply: MessageAck) => void) => void;
  'keys:low': (counts: KeyCountResponse) => void;
  'delivery:failed': (failure: DeliveryFailed) => void;
}

export interface ClientToServerEvents {
  send: (request: SocketSendRequest, reply: (reply: SocketReply) => void) => void;
}
