import { Inject, Injectable } from '@nestjs/common';
import { CreateDeviceResponse, ErrorCode, ListDevicesResponse, TokenPair } from '@parley/protocol';
import { AccountsRepository } from '../accounts/accounts.repository';
import { DeviceListService } from '../accounts/device-list.service';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedDevice, AuthenticatedUser } from '../auth/authenticated-user';
import { TokenService } from '../auth/token.service';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { DatabaseService, Tx } from '../database/database.service';
import { KeysService } from '../keys/keys.service';
import { VerifiedKeys, verifyUploadedKeys } from '../keys/prekey-verifier';
import { CreateDeviceDto, RemoveDeviceDto } from './dto/device.dto';
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
    private readonly deviceLists: DeviceListService,
    private readonly keys: KeysService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Registers a device with its keys and starts its session, all in one
   * transaction, only together with the account's next device list signed
   * by its account identity (docs/SECURITY.md): a password alone cannot
   * add a device. The account row is locked first, so concurrent
   * registrations can neither exceed the device limit nor both pass the
   * version check.
   */
  async createDevice(user: AuthenticatedUser, dto: CreateDeviceDto): Promise<CreateDeviceResponse> {
    const verified = verifyUploadedKeys(Buffer.from(dto.identityKey, 'base64'), dto);
    const { created, entry } = await this.db.transaction(async (tx) => {
      const state = await this.deviceLists.lockForChange(user.accountId, tx);
      const deviceId = state.nextDeviceId;
      this.checkLimit(state.devices.length, deviceId);
      const entry = { deviceId, registrationId: dto.registrationId, identityKey: dto.identityKey };
      await this.deviceLists.applyChange(user, state, { add: entry }, dto.deviceList, tx);
      const tokens = await this.registerIn(tx, user, deviceId, dto, verified);
      const detail = { deviceId, listVersion: dto.deviceList.version, name: dto.name };
      return { created: { deviceId, ...tokens }, entry: await this.audit.recordIn(tx, user.accountId, 'device_added', detail) };
    });
    await this.audit.announce(user.accountId, entry);
    await this.deviceLists.awaitLogged();
    return created;
  }

  /** 403 device_limit_reached when `existing` devices are the most an account may have, or libsignal's ids ran out. */
  checkLimit(existing: number, deviceId: number): void {
    if (existing >= this.config.maxDevicesPerAccount || deviceId > MAX_DEVICE_ID) {
      throw new ParleyException(ErrorCode.DeviceLimitReached, `an account has at most ${this.config.maxDevicesPerAccount} devices`);
    }
  }

  /**
   * Inside the caller's transaction, after its list change was accepted:
   * takes device id `deviceId`, stores the device and its keys (verified
   * by the caller before its transaction, so a bad key locks nothing),
   * starts its session. 409 identity_key_taken when another device has its
   * identity key.
   */
  async registerIn(tx: Tx, user: AuthenticatedUser, deviceId: number, dto: CreateDeviceDto, verified: VerifiedKeys): Promise<TokenPair> {
    await this.accounts.takeNextDeviceId(user.accountId, tx);
    const inserted = await this.devices.insertDevice(
      {
        accountId: user.accountId,
        deviceId,
        name: dto.name,
        registrationId: dto.registrationId,
        identityKey: Buffer.from(dto.identityKey, 'base64'),
        signedPreKey: verified.signedPreKey!,
        pqLastResortPreKey: verified.pqLastResortPreKey!,
      },
      tx,
    );
    if (!inserted) throw new ParleyException(ErrorCode.IdentityKeyTaken, 'this identity key is already registered to another device');
    await this.keys.storeVerifiedKeys(
      user.accountId,
      deviceId,
      { ...verified, signedPreKey: undefined, pqLastResortPreKey: undefined },
      tx,
    );
    return this.tokens.startSession({ id: user.accountId, username: user.username }, deviceId, tx);
  }

  /** Inside the caller's transaction: ends the device's sessions (its sockets hear `device_removed`), deletes it with its keys and queue. */
  async dropIn(tx: Tx, accountId: string, deviceId: number): Promise<void> {
    await this.tokens.revokeDevice(accountId, deviceId, 'device_removed', tx);
    await this.devices.deleteDevice(accountId, deviceId, tx);
  }

  /** A device connected or logged in. */
  recordSeen(accountId: string, deviceId: number): Promise<void> {
    return this.devices.touchLastSeen(accountId, deviceId);
  }

  /** GET /v1/devices: the devices, the current signed list, and the id the next device will get (what a signer needs). */
  async listDevices(device: AuthenticatedDevice): Promise<ListDevicesResponse> {
    const [devices, signing] = await Promise.all([
      this.devices.listDevices(device.accountId),
      this.deviceLists.findSigningState(device.accountId),
    ]);
    return { devices, ...signing };
  }

  /**
   * Removes a device of the caller's account together with the list
   * without it, signed by the account identity; its keys, queue and
   * tokens are gone at once.
   */
  async removeDevice(caller: AuthenticatedDevice, deviceId: number, dto: RemoveDeviceDto): Promise<void> {
    const entry = await this.db.transaction(async (tx) => {
      const state = await this.deviceLists.lockForChange(caller.accountId, tx);
      if (!state.devices.some((d) => d.deviceId === deviceId)) {
        throw new ParleyException(ErrorCode.UnknownDevice, `no device ${deviceId} on this account`);
      }
      await this.deviceLists.applyChange(caller, state, { remove: deviceId }, dto.deviceList, tx);
      await this.dropIn(tx, caller.accountId, deviceId);
      return this.audit.recordIn(tx, caller.accountId, 'device_removed', {
        deviceId,
        listVersion: dto.deviceList.version,
        by: caller.deviceId,
      });
    });
    await this.audit.announce(caller.accountId, entry);
    await this.deviceLists.awaitLogged();
  }
}
