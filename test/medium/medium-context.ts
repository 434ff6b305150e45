import { randomBytes } from 'node:crypto';
import { generateDeviceKeys, GeneratedDeviceKeys, publicKyberPreKey, publicPreKey, publicSignedPreKey } from '@parley/crypto';
import { AccountsRepository } from '../../apps/server/src/accounts/accounts.repository';
import { DatabaseService } from '../../apps/server/src/database/database.service';
import { DevicesRepository } from '../../apps/server/src/devices/devices.repository';
import { verifyUploadedKeys } from '../../apps/server/src/keys/prekey-verifier';
import { KeysRepository } from '../../apps/server/src/keys/keys.repository';
import { openMediumDatabase } from '../support/medium-database';

/**
 * Medium tests: services and repositories on a real database of their own
 * (PGlite in pass 1 of .ci/run, a scratch PostgreSQL database in pass 2; see
 * test/support/medium-database.ts), with factories that write through the
 * real repositories.
 */
export interface MediumContext {
  db: DatabaseService;
  newAccount(options?: { username?: string }): Promise<MediumAccount>;
  /** A device with real libsignal keys, stored as device registration stores it. */
  newDevice(account: MediumAccount, options?: NewDeviceOptions): Promise<MediumDevice>;
  /**
   * Alice with `aliceDevices` devices and bob with one. Device ids count per
   * account, so bob's device 1 has the id of alice's first: the "another
   * account's device" of every negative case.
   */
  aliceAndBob(
    options?: NewDeviceOptions & { aliceDevices?: number },
  ): Promise<{ alice: MediumDevice; aliceDevices: MediumDevice[]; bob: MediumDevice }>;
  close(): Promise<void>;
}

export interface MediumAccount {
  id: string;
  username: string;
}

export interface NewDeviceOptions {
  name?: string;
  /** One-time keys of each kind (EC and Kyber); 3 unless given. */
  oneTimeKeys?: number;
}

export interface MediumDevice {
  account: MediumAccount;
  accountId: string;
  username: string;
  deviceId: number;
  registrationId: number;
  identityKey: Buffer;
  signedPreKeyId: number;
  pqLastResortId: number;
  /** One-time key ids in upload order, i.e. the order they are handed out. */
  preKeyIds: number[];
  pqPreKeyIds: number[];
  /** Private halves too, for tests that sign or run sessions. */
  keys: GeneratedDeviceKeys;
}

export const uniqueUsername = (prefix = 'm') => `${prefix}${randomBytes(5).toString('hex')}`;

/** For a test file: a context opened before its tests and closed after them (use it inside tests and hooks). */
export function useMediumContext(): MediumContext {
  const ctx = {} as MediumContext;
  beforeAll(async () => {
    Object.assign(ctx, await mediumContext());
  });
  afterAll(() => ctx.close?.());
  return ctx;
}

export async function mediumContext(): Promise<MediumContext> {
  const database = await openMediumDatabase();
  const db = new DatabaseService(database.dataSource);
  const accounts = new AccountsRepository(db);
  const devices = new DevicesRepository(db);
  const keys = new KeysRepository(db);

  async function newAccount({ username = uniqueUsername() } = {}): Promise<MediumAccount> {
    const row = await accounts.insertAccount(username, 'not a password hash');
    if (!row) throw new Error(`username ${username} is taken`);
    return { id: row.id, username: row.username };
  }

  /** What DevicesService.createDevice stores, without its limits and tokens. */
  async function newDevice(
    account: MediumAccount,
    { name = 'medium device', oneTimeKeys = 3 }: NewDeviceOptions = {},
  ): Promise<MediumDevice> {
    const generated = generateDeviceKeys(oneTimeKeys);
    const identityKey = Buffer.from(generated.identity.publicKey.serialize());
    const verified = verifyUploadedKeys(identityKey, {
      signedPreKey: publicSignedPreKey(generated.signedPreKey),
      pqLastResortPreKey: publicKyberPreKey(generated.pqLastResortPreKey),
      preKeys: generated.preKeys.map(publicPreKey),
      pqPreKeys: generated.pqPreKeys.map(publicKyberPreKey),
    });
    const deviceId = await db.transaction(async (tx) => {
      const id = await accounts.takeNextDeviceId(account.id, tx);
      await devices.insertDevice(
        {
          accountId: account.id,
          deviceId: id,
          name,
          registrationId: generated.registrationId,
          identityKey,
          signedPreKey: verified.signedPreKey!,
          pqLastResortPreKey: verified.pqLastResortPreKey!,
        },
        tx,
      );
      await keys.insertOneTimePreKeys(account.id, id, verified.preKeys, tx);
      await keys.insertOneTimeKyberPreKeys(account.id, id, verified.pqPreKeys, tx);
      return id;
    });
    return {
      account,
      accountId: account.id,
      username: account.username,
      deviceId,
      registrationId: generated.registrationId,
      identityKey,
      signedPreKeyId: generated.signedPreKey.id(),
      pqLastResortId: generated.pqLastResortPreKey.id(),
      preKeyIds: generated.preKeys.map((k) => k.id()),
      pqPreKeyIds: generated.pqPreKeys.map((k) => k.id()),
      keys: generated,
    };
  }

  async function aliceAndBob({ aliceDevices: count = 1, ...options }: NewDeviceOptions & { aliceDevices?: number } = {}) {
    const alice = await newAccount();
    const aliceDevices: MediumDevice[] = [];
    for (let i = 0; i < count; i++) aliceDevices.push(await newDevice(alice, options));
    const bob = await newDevice(await newAccount(), options);
    return { alice: aliceDevices[0], aliceDevices, bob };
  }

  return { db, newAccount, newDevice, aliceAndBob, close: database.close };
}
