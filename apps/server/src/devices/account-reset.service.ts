import { Injectable } from '@nestjs/common';
import { AccountResetInfo, CreateDeviceResponse } from '@parley/protocol';
import { DeviceListService } from '../accounts/device-list.service';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { DatabaseService } from '../database/database.service';
import { verifyUploadedKeys } from '../keys/prekey-verifier';
import { CreateDeviceDto } from './dto/device.dto';
import { DevicesService } from './devices.service';

/**
 * Account reset (docs/SECURITY.md): when every device is lost, so is the
 * account identity, and the password is all that is left. A reset starts
 * a new identity with one new device and removes every old device. It
 * cannot be silent: every contact's client sees the identity change and
 * blocks until its user accepts it, and the account's audit log records it.
 */
@Injectable()
export class AccountResetService {
  constructor(
    private readonly db: DatabaseService,
    private readonly devices: DevicesService,
    private readonly deviceLists: DeviceListService,
    private readonly audit: AuditService,
  ) {}

  /**
   * What the reset list must carry, and the current list a restored device
   * adds itself to; readable with the account token of a client that has
   * no device left. The list is no secret: every bundle carries it.
   */
  async info(user: AuthenticatedUser): Promise<AccountResetInfo> {
    const { deviceList, nextDeviceId } = await this.deviceLists.findSigningState(user.accountId);
    return { currentVersion: deviceList?.version ?? 0, nextDeviceId, deviceList };
  }

  /**
   * In one transaction under the account's row lock (like createDevice):
   * checks the list and replaces the identity, registers the new device,
   * removes every old device (sessions revoked with `device_removed`, keys
   * and queues deleted) and records `account_reset`. Any refusal rolls
   * all of it back.
   */
  async reset(user: AuthenticatedUser, dto: CreateDeviceDto): Promise<CreateDeviceResponse> {
    const verified = verifyUploadedKeys(Buffer.from(dto.identityKey, 'base64'), dto);
    const { created, entry } = await this.db.transaction(async (tx) => {
      const state = await this.deviceLists.lockForChange(user.accountId, tx);
      const deviceId = state.nextDeviceId;
      this.devices.checkLimit(0, deviceId);
      const newDevice = { deviceId, registrationId: dto.registrationId, identityKey: dto.identityKey };
      await this.deviceLists.applyReset(user, state, newDevice, dto.deviceList, tx);
      const tokens = await this.devices.registerIn(tx, user, deviceId, dto, verified);
      // Last: revoking sessions takes effect outside the transaction, so every refusal must have come before it.
      for (const old of state.devices) await this.devices.dropIn(tx, user.accountId, old.deviceId);
      const detail = { deviceId, listVersion: dto.deviceList.version, devicesRemoved: state.devices.length };
      return { created: { deviceId, ...tokens }, entry: await this.audit.recordIn(tx, user.accountId, 'account_reset', detail) };
    });
    await this.audit.announce(user.accountId, entry);
    await this.deviceLists.awaitLogged();
    return created;
  }
}
