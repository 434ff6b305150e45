import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import {
  ClientToServerEvents,
  ClosingNotice,
  DeliveryFailed,
  ErrorCode,
  Limits,
  MessageAck,
  ServerToClientEvents,
  SocketHandshake,
  SOCKET_NAMESPACE,
} from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { TokenService } from '../auth/token.service';
import { mapError } from '../common/global-exception.filter';
import { ParleyException } from '../common/parley.exception';
import { createValidationPipe } from '../common/validation.pipe';
import { DeliveryBus } from '../delivery/delivery-bus';
import type { DeviceSignal } from '../delivery/device-signal';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryFailuresService } from '../messages/delivery-failures.service';
import { DeviceQueueService } from '../messages/device-queue.service';
import { SocketSendDto } from '../messages/dto/send-messages.dto';
import { wellFormedSend } from '../messages/dto/well-formed-send';
import { MessagesService } from '../messages/messages.service';
import { DeviceConnection } from './device-connection';

interface SocketState {
  device: AuthenticatedDevice;
  connection?: DeviceConnection;
  unsubscribe?: () => Promise<void>;
  /** Ids of `delivery:failed` notices sent on this connection and not yet acknowledged; set once the connection is up. */
  failuresSent?: Set<string>;
}

/** A device's socket, typed by the contract's event maps (libs/protocol events.ts). */
type DeviceSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketState>;
type SendReply = Parameters<Parameters<ClientToServerEvents['send']>[1]>[0];

/**
 * socket.io namespace /v1 (API.md section 4). Authenticates devices with
 * the same token check as HTTP and wires each connection to its device's
 * signals on the DeliveryBus and its queue (DeviceQueueService); `send`
 * goes to the same MessagesService.sendMessages as PUT /v1/messages.
 */
@WebSocketGateway({ namespace: SOCKET_NAMESPACE, maxHttpBufferSize: Limits.maxRequestBytes + 64 * 1024, cors: { origin: true } })
export class MessagesGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(MessagesGateway.name);
  private readonly validation = createValidationPipe();

  constructor(
    private readonly tokens: TokenService,
    private readonly messages: MessagesService,
    private readonly queue: DeviceQueueService,
    private readonly failures: DeliveryFailuresService,
    private readonly bus: DeliveryBus,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Authentication and the device's bus subscription happen before the
   * client hears `connect`, so no takeover, removal or envelope signal can
   * fall into a gap between the two. Refusals: `unauthorized` for a bad
   * token, `unavailable` when shared state (Redis) cannot be reached.
   */
  afterInit(namespace: Namespace) {
    namespace.use((socket, next) => {
      this.admit(socket as DeviceSocket).then(
        () => next(),
        (error) => {
          const unavailable = error instanceof ParleyException && error.code === ErrorCode.ServiceUnavailable;
          next(new Error(unavailable ? 'unavailable' : 'unauthorized'));
        },
      );
    });
  }

  handleConnection(socket: DeviceSocket) {
    const { device, connection } = socket.data;
    void connection!.drain().catch((error: unknown) => this.logger.warn({ err: error }, 'queue drain failed'));
    socket.data.failuresSent = new Set();
    void this.failures
      .pending(device)
      .then((pending) => pending.forEach((failure) => this.offerFailure(socket, failure)))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'delivery:failed drain failed'));
    void this.queue.deviceConnected(device).catch((error: unknown) => this.logger.warn({ err: error }, 'connect bookkeeping failed'));
  }

  private async admit(socket: DeviceSocket) {
    const handshake = socket.handshake.auth as Partial<SocketHandshake> | undefined;
    const user = await this.tokens.authenticate(String(handshake?.token ?? ''));
    if (user.deviceId === null) throw ParleyException.unauthorized('a device token is required');
    const device = user as AuthenticatedDevice;
    const state = socket.data;
    state.device = device;
    state.connection = new DeviceConnection(socket, this.queue.accessFor(device), handshake?.batch === true);
    state.unsubscribe = await this.bus.subscribe(device.accountId, device.deviceId, (signal) => this.onSignal(socket, signal));
    if (socket.conn.readyState !== 'open') {
      // The client left during the handshake: socket.io will not report a disconnect for it.
      await state.unsubscribe();
      throw ParleyException.unauthorized('connection closed during handshake');
    }
    this.metrics.connectedDevices.inc();
    await this.bus.publish(device.accountId, device.deviceId, { kind: 'takeover', connectionId: socket.id });
  }

  async handleDisconnect(socket: DeviceSocket) {
    const state = socket.data;
    if (!state.connection) return;
    this.metrics.connectedDevices.dec();
    state.connection.close();
    await state.unsubscribe?.();
  }

  @SubscribeMessage('send')
  async send(@ConnectedSocket() socket: DeviceSocket, @MessageBody() payload: unknown): Promise<SendReply> {
    try {
      const { destination, ...request } =
        wellFormedSend(payload) ?? ((await this.validation.transform(payload, { type: 'body', metatype: SocketSendDto })) as SocketSendDto);
      const outcome = await this.messages.sendMessages(socket.data.device, destination, request);
      return { status: outcome.status, body: outcome.body };
    } catch (error) {
      const { status, body, retryAfterMs } = mapError(error, this.logger);
      return { status, body, ...(retryAfterMs !== undefined && { retryAfterMs }) };
    }
  }

  /** Every signal a device can receive becomes exactly one socket event here. */
  private onSignal(socket: DeviceSocket, signal: DeviceSignal) {
    const state = socket.data;
    switch (signal.kind) {
      case 'envelope':
        state.connection?.offer(signal.queued);
        break;
      case 'takeover':
        if (signal.connectionId !== socket.id) this.close(socket, 'replaced');
        break;
      case 'sessionsEnded':
        if (signal.sessionIds.includes(state.device.sessionId)) this.close(socket, signal.reason);
        break;
      case 'keysLow':
        socket.emit('keys:low', signal.counts);
        break;
      case 'deliveryFailed':
        this.offerFailure(socket, signal.failure);
        break;
      case 'audit':
        socket.emit('audit', signal.entry);
        break;
    }
  }

  /**
   * Sends one queued `delivery:failed` notice, at most once per connection;
   * the notice is deleted only when the device acks it `{ok: true}`, so a
   * client that does not ack gets it again on its next connection. Live
   * notices before the connection is up are left to the listing that
   * handleConnection does: they were committed before they were published.
   */
  private offerFailure(socket: DeviceSocket, failure: DeliveryFailed) {
    const sent = socket.data.failuresSent;
    if (!sent || sent.has(failure.id)) return;
    sent.add(failure.id);
    socket.emit('delivery:failed', failure, (ack: MessageAck) => {
      if (ack?.ok !== true) return void sent.delete(failure.id);
      this.failures.acknowledge(socket.data.device, failure.id).then(
        () => sent.delete(failure.id),
        (error: unknown) => this.logger.warn({ err: error }, 'delivery:failed ack failed'),
      );
    });
  }

  private close(socket: DeviceSocket, reason: ClosingNotice['reason']) {
    socket.emit('closing', { reason });
    socket.disconnect(true);
  }
}
