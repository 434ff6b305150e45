import { Logger } from '@nestjs/common';
import {
  ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { ClosingNotice, Limits, SOCKET_NAMESPACE, SocketReply } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { TokenService } from '../auth/token.service';
import { mapError } from '../common/global-exception.filter';
import { ParleyException } from '../common/parley.exception';
import { requireRedis } from '../redis/redis-unavailable';
import { ParleyEvents } from '../common/parley-events';
import { createValidationPipe } from '../common/validation.pipe';
import { DevicesRepository } from '../devices/devices.repository';
import { KeysService } from '../keys/keys.service';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryBus, DeviceSignal } from '../messages/delivery-bus';
import { SocketSendDto } from '../messages/dto/send-messages.dto';
import { toQueuedEnvelope } from '../messages/envelope';
import { EnvelopeStore } from '../messages/envelope-store';
import { MessagesRepository } from '../messages/messages.repository';
import { MessagesService } from '../messages/messages.service';
import { DeviceConnection } from './device-connection';

interface SocketState { device: AuthenticatedDevice; connection?: DeviceConnection; unsubscribe?: () => Promise<void> }

/**
 * socket.io namespace /v1 (API.md section 4): authenticates devices with
 * the same token check as HTTP, delivers their queues and live envelopes,
 * and accepts `send` exactly as PUT /v1/messages does.
 */
@WebSocketGateway({ namespace: SOCKET_NAMESPACE, maxHttpBufferSize: Limits.maxRequestBytes + 64 * 1024, cors: { origin: true } })
export class MessagesGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(MessagesGateway.name);
  private readonly validation = createValidationPipe();

  constructor(
    private readonly tokens: TokenService,
    private readonly messages: MessagesService,
    private readonly queue: MessagesRepository,
    private readonly store: EnvelopeStore,
    private readonly bus: DeliveryBus,
    private readonly keys: KeysService,
    private readonly devices: DevicesRepository,
    private readonly metrics: MetricsService,
    events: ParleyEvents,
  ) {
    events.on('keysLow', (accountId, deviceId, counts) => void this.bus.publish(accountId, deviceId, { kind: 'keysLow', counts }));
    events.on('sessionsEnded', (accountId, deviceId, sessionIds, reason) => {
      if (deviceId !== null && sessionIds.length > 0) void this.bus.publish(accountId, deviceId, { kind: 'sessionsEnded', sessionIds, reason });
    });
  }

  /**
   * Authentication and the device's bus subscription happen before the
   * client hears `connect`, so no takeover, removal or envelope signal can
   * fall into a gap between the two. Refusals: `unauthorized` for a bad
   * token, `unavailable` when shared state (Redis) cannot be reached.
   */
  afterInit(namespace: Namespace) {
    namespace.use((socket, next) => {
      this.admit(socket).then(() => next(), (error) => {
        const unavailable = error instanceof ParleyException && error.status === 503;
        next(new Error(unavailable ? 'unavailable' : 'unauthorized'));
      });
    });
  }

  async handleConnection(socket: Socket) {
    const state = socket.data as SocketState;
    void state.connection!.drain().catch((error) => this.logger.warn({ err: error }, 'queue drain failed'));
    void this.devices.touchLastSeen(state.device.accountId, state.device.deviceId).catch(() => undefined);
    void this.warnIfKeysLow(socket, state.device.accountId, state.device.deviceId);
  }

  private async admit(socket: Socket) {
    const user = await this.tokens.authenticate(String(socket.handshake.auth?.token ?? ''));
    if (user.deviceId === null) throw ParleyException.unauthorized('a device token is required');
    const device = user as AuthenticatedDevice;
    const state = socket.data as SocketState;
    state.device = device;
    state.connection = new DeviceConnection(socket, {
      pageQueue: async (afterSeq, limit) =>
        (await this.queue.pageQueue(device.accountId, device.deviceId, afterSeq, limit)).map((r) => toQueuedEnvelope(r)),
      acknowledge: (id) => this.store.deleteAcknowledged(id),
    }, () => this.metrics.envelopesDelivered.inc());
    state.unsubscribe = await requireRedis(this.bus.subscribe(device.accountId, device.deviceId, (signal) => this.onSignal(socket, signal)));
    if (socket.conn.readyState !== 'open') {
      // The client left during the handshake: socket.io will not report a disconnect for it.
      await state.unsubscribe();
      throw ParleyException.unauthorized('connection closed during handshake');
    }
    this.metrics.connectedDevices.inc();
    await this.bus.publish(device.accountId, device.deviceId, { kind: 'takeover', connectionId: socket.id });
  }

  async handleDisconnect(socket: Socket) {
    const state = socket.data as SocketState;
    if (!state.connection) return;
    this.metrics.connectedDevices.dec();
    state.connection.close();
    await state.unsubscribe?.();
  }

  @SubscribeMessage('send')
  async send(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<SocketReply> {
    try {
      const dto = await this.validation.transform(payload, { type: 'body', metatype: SocketSendDto }) as SocketSendDto;
      const { destination, ...request } = dto;
      const outcome = await this.messages.sendMessages((socket.data as SocketState).device, destination, request as SocketSendDto);
      return { status: outcome.status, body: outcome.body };
    } catch (error) {
      const { status, body } = mapError(error, this.logger);
      return { status, body };
    }
  }

  private onSignal(socket: Socket, signal: DeviceSignal) {
    const state = socket.data as SocketState;
    switch (signal.kind) {
      case 'envelope': state.connection?.offer(signal.queued); break;
      case 'takeover': if (signal.connectionId !== socket.id) this.close(socket, 'replaced'); break;
      case 'sessionsEnded': if (signal.sessionIds.includes(state.device.sessionId)) this.close(socket, signal.reason); break;
      case 'keysLow': socket.emit('keys:low', signal.counts); break;
      case 'deliveryFailed': socket.emit('delivery:failed', signal.failure); break;
    }
  }

  private close(socket: Socket, reason: ClosingNotice['reason']) {
    socket.emit('closing', { reason });
    socket.disconnect(true);
  }

  private async warnIfKeysLow(socket: Socket, accountId: string, deviceId: number) {
    const counts = await this.keys.findLowKeyCounts(accountId, deviceId).catch(() => null);
    if (counts) socket.emit('keys:low', counts);
  }
}
