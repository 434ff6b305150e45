import type { AuditEntry } from './audit';
import type { Envelope, KeyCountResponse, SendMessagesRequest } from './wire';

/** Socket namespace of the contract (section 4). */
export const SOCKET_NAMESPACE = '/v1';

export interface SocketSendRequest extends SendMessagesRequest {
  destination: string;
}
export interface SocketReply<T = unknown> {
  status: number;
  body: T;
  /** With a 429 or 503: how long to wait before trying again, as HTTP's Retry-After says it. */
  retryAfterMs?: number;
}
/**
 * The answer to `message` and to `messages`. `{ok: true}` acknowledges the
 * envelope, or every envelope of the batch, and the server deletes them.
 * Anything else refuses: nothing is deleted, and the server offers the
 * envelopes again on its next drain of the queue, at the latest on the
 * device's next connection.
 */
export interface MessageAck {
  ok: boolean;
}

/**
 * What a device presents in the socket handshake (section 4). `batch: true`
 * opts in to batched delivery: envelopes come as `messages`, several to a
 * packet with one ack, instead of one `message` each (a Parley extension;
 * clients that do not ask get `message`).
 */
export interface SocketHandshake {
  token: string;
  batch?: boolean;
}

/** A `messages` packet carries at most this many envelopes, oldest first (section 4). */
export const MAX_ENVELOPES_PER_BATCH = 64;

/**
 * A federated send of this device that was finally refused by the peer, or
 * given up after the retry window (`peer_unavailable`). The server keeps it
 * for the device until it is acknowledged, like an envelope: through the
 * socket event's ack (`{ok: true}`) or DELETE /v1/delivery-failures/:id
 * (API.md sections 3 and 4). `timestamp` is the failed send's own.
 */
export interface DeliveryFailed {
  id: string;
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
 * over, `device_removed` when the device was removed, `logged_out` when the
 * session whose token opened the socket ended (logout, or a reused refresh
 * token revoked it). A client must not reconnect after `replaced` or
 * `device_removed`, or two copies of a device would take turns closing
 * each other; after `logged_out` it needs new tokens first.
 */
export interface ClosingNotice {
  reason: 'replaced' | 'device_removed' | 'logged_out';
}

export interface ServerToClientEvents {
  message: (envelope: Envelope, ack: (reply: MessageAck) => void) => void;
  /** Batched delivery (opted in with `batch: true`): 1 to MAX_ENVELOPES_PER_BATCH envelopes, one ack for them all. */
  messages: (envelopes: Envelope[], ack: (reply: MessageAck) => void) => void;
  'keys:low': (counts: KeyCountResponse) => void;
  /** Queued notices on connect, then live ones; ack `{ok: true}` deletes the notice, anything else (or none) keeps it for the next connection. */
  'delivery:failed': (failure: DeliveryFailed, ack: (reply: MessageAck) => void) => void;
  closing: (notice: ClosingNotice) => void;
  /** A new entry of the account's audit log (docs/API.md, "Audit log"). */
  audit: (entry: AuditEntry) => void;
}

export interface ClientToServerEvents {
  send: (request: SocketSendRequest, reply: (reply: SocketReply) => void) => void;
}
