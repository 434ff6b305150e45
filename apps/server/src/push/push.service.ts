import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey } from 'node:crypto';
import { ErrorCode } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { Clock } from '../common/clock';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import type { PushSubscriptionDto, PushSubscriptionStatusDto } from './dto/push-subscription.dto';
import { endpointRefusal } from './endpoint-guard';
import { PushRepository, SubscriptionRow } from './push.repository';
import { WakeUpService } from './wake-up.service';

/** RFC 8291: a P-256 public key in uncompressed form, and a 16-byte authentication secret. */
const P256_POINT_BYTES = 65;
const AUTH_SECRET_BYTES = 16;

/**
 * A device's own push subscription (docs/API.md section 9): registered,
 * replaced, removed and read only by that device.
 */
@Injectable()
export class PushService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly repository: PushRepository,
    private readonly wakeUps: WakeUpService,
    private readonly clock: Clock,
  ) {}

  /**
   * Refuses, storing nothing: keys that are not an RFC 8291 P-256 point
   * and 16-byte secret (400 invalid_key), and endpoints that are not
   * https:// or resolve to an address that is not public (400
   * push_endpoint_refused: the server would otherwise post to its own
   * network on a client's behalf).
   */
  async register(device: AuthenticatedDevice, dto: PushSubscriptionDto): Promise<PushSubscriptionStatusDto> {
    const p256dh = Buffer.from(dto.keys.p256dh, 'base64url');
    const auth = Buffer.from(dto.keys.auth, 'base64url');
    if (!isP256Point(p256dh)) throw new ParleyException(ErrorCode.InvalidKey, 'keys.p256dh must be a 65-byte uncompressed P-256 point');
    if (auth.length !== AUTH_SECRET_BYTES) throw new ParleyException(ErrorCode.InvalidKey, 'keys.auth must be 16 bytes');
    const refusal = await endpointRefusal(dto.endpoint, this.config.push.allowPrivateEndpoints);
    if (refusal) throw new ParleyException(ErrorCode.PushEndpointRefused, refusal);
    const { accountId, deviceId } = device;
    const row = await this.repository.replace({ accountId, deviceId, endpoint: dto.endpoint, p256dh, auth }, new Date(this.clock.now()));
    // A new subscription is woken by the next envelope, whatever the old one was sent lately.
    await this.wakeUps.fetched(accountId, deviceId);
    return toStatus(row);
  }

  async remove(device: AuthenticatedDevice): Promise<void> {
    await this.repository.delete(device.accountId, device.deviceId);
  }

  async status(device: AuthenticatedDevice): Promise<PushSubscriptionStatusDto> {
    const row = await this.repository.findStatus(device.accountId, device.deviceId);
    if (!row) throw new ParleyException(ErrorCode.NotFound, 'this device has no push subscription');
    return toStatus(row);
  }
}

function isP256Point(bytes: Buffer): boolean {
  if (bytes.length !== P256_POINT_BYTES || bytes[0] !== 0x04) return false;
  try {
    const coordinate = (from: number) => bytes.subarray(from, from + 32).toString('base64url');
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: coordinate(1), y: coordinate(33) }, format: 'jwk' });
    return true;
  } catch {
    return false; // not on the curve
  }
}

const millis = (date: Date | null) => (date ? new Date(date).getTime() : null);

const toStatus = (row: SubscriptionRow): PushSubscriptionStatusDto => ({
  endpoint: row.endpoint,
  createdAt: new Date(row.created_at).getTime(),
  lastSuccessAt: millis(row.last_success_at),
  lastFailureAt: millis(row.last_failure_at),
  lastFailureStatus: row.last_failure_status,
  droppedAt: millis(row.dropped_at),
});
