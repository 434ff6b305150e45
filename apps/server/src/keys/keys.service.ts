import { Inject, Injectable } from '@nestjs/common';
import { DeviceBundle, ErrorCode, KeyCountResponse, PreKeyBundleResponse } from '@parley/protocol';
import type { AuthenticatedDevice } from '../auth/authenticated-user';
import { ParleyException } from '../common/parley.exception';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { AccountsRepository } from '../accounts/accounts.repository';
import { DeviceListService } from '../accounts/device-list.service';
import { AuditService } from '../audit/audit.service';
import { DatabaseService, Tx } from '../database/database.service';
import { DeliveryBus } from '../delivery/delivery-bus';
import { AddressRouter } from '../federation/outbound/address-router';
import { FederationRelayService } from '../federation/outbound/federation-relay.service';
import { RateLimiterService } from '../limits/rate-limiter.service';
import { MetricsService } from '../metrics/metrics.service';
import { KeyLogService } from '../transparency/key-log.service';
import { WitnessService } from '../transparency/witness.service';
import { UploadKeysDto } from './dto/prekey.dto';
import { ClaimedDeviceKeys, KeysRepository, UNIQUE_VIOLATION } from './keys.repository';
import { verifyUploadedKeys, VerifiedKeys } from './prekey-verifier';

const b64 = (bytes: Buffer) => bytes.toString('base64');

/** What a claim hands out: one bundle per device and the list that vouches for them. */
export type ClaimedBundle = Omit<PreKeyBundleResponse, 'address'>;

@Injectable()
export class KeysService {
  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly keys: KeysRepository,
    private readonly db: DatabaseService,
    private readonly accounts: AccountsRepository,
    private readonly deviceLists: DeviceListService,
    private readonly router: AddressRouter,
    private readonly remote: FederationRelayService,
    private readonly limits: RateLimiterService,
    private readonly metrics: MetricsService,
    private readonly bus: DeliveryBus,
    private readonly audit: AuditService,
    private readonly keyLog: KeyLogService,
    private readonly witness: WitnessService,
  ) {}

  /** PUT /v1/keys, throttled per device: verify everything first, then store it all in one transaction or nothing. */
  async uploadKeys(device: AuthenticatedDevice, upload: UploadKeysDto): Promise<void> {
    await this.limits.enforce('keyUpload', `${device.accountId}.${device.deviceId}`);
    const identityKey = await this.keys.findIdentityKey(device.accountId, device.deviceId);
    if (!identityKey) throw ParleyException.unauthorized('device no longer exists');
    const verified = verifyUploadedKeys(identityKey, upload);
    await this.db.transaction((tx) => this.storeVerifiedKeys(device.accountId, device.deviceId, verified, tx));
    await this.audit.record(device.accountId, 'keys_uploaded', {
      deviceId: device.deviceId,
      preKeys: verified.preKeys.length,
      pqPreKeys: verified.pqPreKeys.length,
      signedPreKey: Boolean(verified.signedPreKey),
      lastResortKey: Boolean(verified.pqLastResortPreKey),
    });
  }

  /**
   * Stores verified keys inside the caller's transaction. A key id the
   * device already holds (for Kyber keys, including its last-resort key's
   * id) answers 409 duplicate_key_id, and the caller's transaction rolls
   * back, so nothing is stored; so does an upload that would leave the
   * device more than MAX_STORED_ONE_TIME_KEYS of either kind (413).
   */
  async storeVerifiedKeys(accountId: string, deviceId: number, verified: VerifiedKeys, tx: Tx): Promise<void> {
    await this.keys.lockDevice(accountId, deviceId, tx);
    try {
      if (verified.signedPreKey) await this.keys.replaceSignedPreKey(accountId, deviceId, verified.signedPreKey, tx);
      if (verified.pqLastResortPreKey) await this.keys.replaceLastResortKyberPreKey(accountId, deviceId, verified.pqLastResortPreKey, tx);
      await this.keys.insertOneTimePreKeys(accountId, deviceId, verified.preKeys, tx);
      await this.keys.insertOneTimeKyberPreKeys(accountId, deviceId, verified.pqPreKeys, tx);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ParleyException(ErrorCode.DuplicateKeyId, 'a one-time key with this key id is already stored for this device');
      }
      throw error;
    }
    if (
      (verified.pqPreKeys.length > 0 || verified.pqLastResortPreKey) &&
      (await this.keys.kyberIdClashesWithLastResort(accountId, deviceId, tx))
    ) {
      throw new ParleyException(ErrorCode.DuplicateKeyId, 'one-time Kyber keys and the last-resort Kyber key share one key id space');
    }
    if (verified.preKeys.length > 0 || verified.pqPreKeys.length > 0) {
      const stored = await this.keys.countOneTimeKeys(accountId, deviceId, tx);
      const maxStored = this.config.maxStoredOneTimeKeys;
      if (Math.max(stored.preKeys, stored.pqPreKeys) > maxStored) {
        throw new ParleyException(
          ErrorCode.TooManyKeys,
          `a device stores at most ${maxStored} one-time keys of each kind; upload more once they are used`,
          { maxStored },
        );
      }
    }
  }

  countKeys(device: AuthenticatedDevice): Promise<KeyCountResponse> {
    return this.keys.countOneTimeKeys(device.accountId, device.deviceId);
  }

  /** GET /v1/keys/:address[/:deviceId], throttled per requesting account and per (requester, target) pair. */
  async fetchBundle(requester: AuthenticatedDevice, address: string, deviceId?: number): Promise<PreKeyBundleResponse> {
    const throttle = async (target: string) => {
      await this.limits.enforce('keyFetchPerTarget', `${requester.accountId}>${target}`);
      await this.limits.enforce('keyFetch', requester.accountId);
    };
    return this.router.dispatch(address, {
      local: async (username) => {
        await throttle(username);
        return { address, ...(await this.claimBundle(username, deviceId)) };
      },
      remote: async (username, domain) => {
        await throttle(`${username}@${domain}`);
        const bundle = await this.remote.fetchRemoteBundle(requester, username, domain, deviceId);
        // Gossip: the peer's checkpoint is compared with what this server witnessed of its log (never fails the fetch).
        void this.witness.observe(domain, bundle.transparency?.checkpoint);
        return bundle;
      },
    });
  }

  /**
   * Bundles for every device of a local account (or one device), each
   * consuming at most one one-time key of each kind, with the account's
   * signed device list, exactly as signed, so the requester can check
   * every device against it, and the list's leaf in the key log with its
   * inclusion proof. The single entry point for local clients and
   * federated peers alike.
   */
  async claimBundle(username: string, deviceId?: number): Promise<ClaimedBundle> {
    const threshold = this.config.preKeyLowThreshold;
    const devices = await this.keys.claimBundleKeys(username, deviceId ?? null, threshold + 1);
    if (devices.length === 0) {
      if (!(await this.accounts.findByUsername(username)))
        throw new ParleyException(ErrorCode.UnknownAddress, `unknown address ${username}`);
      throw new ParleyException(
        deviceId === undefined ? ErrorCode.UnknownAddress : ErrorCode.UnknownDevice,
        deviceId === undefined ? `${username} has no devices` : `${username} has no device ${deviceId}`,
      );
    }
    for (const device of devices) {
      this.countClaim('ec', device.ec_key_id !== null);
      this.countClaim('kyber', device.pq_key_id !== null);
      const ecLeft = Number(device.ec_before) - (device.ec_key_id === null ? 0 : 1);
      const pqLeft = Number(device.pq_before) - (device.pq_key_id === null ? 0 : 1);
      // Awaited, not fired and forgotten, so that sustained fetching cannot
      // pile counts up on PGlite's one connection; runs only for a low device.
      if (ecLeft < threshold || pqLeft < threshold) await this.signalIfLow(device.account_id, device.device_id);
    }
    const deviceList = await this.deviceLists.findListAt(devices[0].account_id, devices[0].list_version);
    return { devices: devices.map(toDeviceBundle), deviceList, transparency: await this.keyLog.inclusionForList(deviceList) };
  }

  private countClaim(kind: 'ec' | 'kyber', claimed: boolean) {
    (claimed ? this.metrics.oneTimeKeysClaimed : this.metrics.oneTimeKeysExhausted).inc({ kind });
  }

  /**
   * Signals `keys:low` to the device when either kind of one-time key is
   * below PREKEY_LOW_THRESHOLD: after a claim, and when the device
   * connects. The one producer of that signal.
   */
  async signalIfLow(accountId: string, deviceId: number): Promise<void> {
    const counts = await this.findLowKeyCounts(accountId, deviceId).catch(() => null);
    if (counts) await this.bus.publish(accountId, deviceId, { kind: 'keysLow', counts });
  }

  /**
   * The device's one-time key counts when either is below the threshold;
   * null when both are fine. A bounded look comes first and the full
   * counts only for a device that is low: counting every stored key costs
   * more than a fetch.
   */
  private async findLowKeyCounts(accountId: string, deviceId: number): Promise<KeyCountResponse | null> {
    const threshold = this.config.preKeyLowThreshold;
    if (!(await this.keys.hasFewerOneTimeKeysThan(accountId, deviceId, threshold))) return null;
    const counts = await this.keys.countOneTimeKeys(accountId, deviceId);
    return counts.preKeys < threshold || counts.pqPreKeys < threshold ? counts : null;
  }
}

function toDeviceBundle(device: ClaimedDeviceKeys): DeviceBundle {
  return {
    deviceId: device.device_id,
    registrationId: device.registration_id,
    identityKey: b64(device.identity_key),
    signedPreKey: { keyId: device.signed_prekey_id, publicKey: b64(device.signed_prekey), signature: b64(device.signed_prekey_signature) },
    preKey: device.ec_key_id === null ? null : { keyId: device.ec_key_id, publicKey: b64(device.ec_public_key!) },
    pqPreKey:
      device.pq_key_id === null
        ? { keyId: device.pq_last_resort_id, publicKey: b64(device.pq_last_resort_key), signature: b64(device.pq_last_resort_signature) }
        : { keyId: device.pq_key_id, publicKey: b64(device.pq_public_key!), signature: b64(device.pq_signature!) },
  };
}
