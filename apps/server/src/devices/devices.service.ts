import { Inject, Injectable } from '@nestjs/common';
import { CreateDeviceResponse, DeviceInfo, ErrorCode } from '@parley/protocol';
import { AccountsRepository } from '../accounts/accounts.repository';
import type { AuthenticatedDevice, AuthenticatedUser } from '../auth/authenticated-user';
import { TokenService } from '../auth/token.service';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { DatabaseService } from '../database/database.service';
import { KeysService } from '../keys/keys.service';
import { verifyUploadedKeys } from '../keys/prekey-verifier';
import { CreateDeviceDto } from './dto/device.dto';
import { DevicesRepository } from './devices.repository';

/** libsignal addresses devices 1..127. */
const MAX_DEVICE_ID = 127;

@Injectable()
export class DevicesService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly db: DatabaseService,
    private readonly devices: DevicesRepository,
    private readonly accounts: AccountsRepository,
    private readonly keys: KeysService,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Registers a device with its keys and starts its session, all in one
   * transaction. The account row is locked first, so concurrent
   * registrations cannot exceed the device limit.
   */
  async createDevice(user: AuthenticatedUser, dto: CreateDeviceDto): Promise<CreateDeviceResponse> {
    const identityKey = Buffer.from(dto.identityKey, 'base64');
    const verified = verifyUploadedKeys(identityKey, dto);
    return this.db.transaction(async (tx) => {
      const deviceId = await this.accounts.takeNextDeviceId(user.accountId, tx);
      if ((await this.devices.countDevices(user.accountId, tx)) >= this.config.maxDevicesPerAccount || deviceId > MAX_DEVICE_ID) {
        throw new ParleyException(ErrorCode.DeviceLimitReached, `an account has at most ${this.config.maxDevicesPerAccount} devices`);
      }
      await this.devices.insertDevice(
        {
          accountId: user.accountId,
          deviceId,
          name: dto.name,
          registrationId: dto.registrationId,
          identityKey,
          signedPreKey: verified.signedPreKey!,
          pqLastResortPreKey: verified.pqLastResortPreKey!,
        },
        tx,
      );
      await this.keys.storeVerifiedKeys(
        user.accountId,
        deviceId,
        { ...verified, signedPreKey: undefined, pqLastResortPreKey: undefined },
        tx,
      );
      const tokens = await this.tokens.startSession({ id: user.accountId, username: user.username }, deviceId, tx);
      return { deviceId, ...tokens };
    });
  }

  /** A device connected or logged in. */
  recordSeen(accountId: string, deviceId: number): Promise<void> {
    return this.devices.touchLastSeen(accountId, deviceId);
  }

  listDevices(device: AuthenticatedDevice): Promise<DeviceInfo[]> {
    return this.devices.listDevices(device.accountId);
  }

  /** Removes a device of the caller's account; its keys, queue and tokens are gone at once. */
  async removeDevice(caller: AuthenticatedDevice, deviceId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.tokens.revokeDevice(caller.accountId, deviceId, 'device_removed', tx);
      if (!(await this.devices.deleteDevice(caller.accountId, deviceId, tx))) {
        throw new ParleyException(ErrorCode.UnknownDevice, `no device ${deviceId} on this account`);
      }
    });
  }
}
