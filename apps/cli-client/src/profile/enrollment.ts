import { existsSync, mkdirSync } from 'node:fs';
import type { IdentityKeyPair } from '@signalapp/libsignal-client';
import { Limits, ParleyClient, SignedDeviceList } from '@parley/protocol';
import {
  DeviceStore,
  GeneratedDeviceKeys,
  ONE_TIME_KEY_TARGET,
  deviceRegistrationRequest,
  generateDeviceKeys,
  toBase64,
} from '@parley/crypto';
import { deviceListHash } from '@parley/transparency';
import type { RestoredState } from '../backup/backup-contents';
import { CliError, ExitCode } from '../cli-error';
import { DEFAULT_SERVER, DeviceContext, DeviceProfile, GlobalOptions } from './device-context';
import { lockProfile } from './profile-lock';
import { profileDirectory, storePath } from './profile-location';
import { readPassphrase, readPassword } from './secrets';

/** A device being enrolled: its fresh keys, a client holding the account-scoped token, and the account's address. */
export interface Enrollment {
  username: string;
  deviceName: string;
  server: string;
  /** `username@domain`, as the account's signed device lists name it. */
  address: string;
  domain: string;
  client: ParleyClient;
  keys: GeneratedDeviceKeys;
}

/** What register, link or reset settles before the device is registered: the account identity and the list naming this device. */
export interface Placement {
  identity: IdentityKeyPair;
  deviceList: SignedDeviceList;
  /** The list starts a new account identity: POST /v1/account/reset instead of POST /v1/devices. */
  reset?: boolean;
  /** What a backup brought (contacts, key logs, history): the profile starts from it instead of from nothing. */
  restored?: RestoredState;
}

/**
 * Adds a device to an account (creating the account first for `register`,
 * replacing its identity and devices for `reset`):
 * password login for an account-scoped token, fresh keys, then `place`
 * (which obtains the account identity and signs the next device list),
 * then POST /v1/devices (API.md section 1). The profile is written only once
 * the server has accepted the device, so a failed enrollment leaves nothing
 * behind. This account's own identity and list are pinned from the start;
 * a restored profile starts from its backup's contacts and state.
 */
export async function enrollDevice(
  options: GlobalOptions,
  enroll: { username: string; deviceName: string; createAccount: boolean },
  place: (enrollment: Enrollment) => Promise<Placement>,
): Promise<DeviceContext> {
  const { username, deviceName, createAccount } = enroll;
  if (!Limits.usernamePattern.test(username)) {
    throw new CliError('a username is 3-32 characters: a-z, 0-9, "_" and ".", starting with a letter or digit', ExitCode.Usage);
  }
  const dir = profileDirectory(options.profile);
  if (existsSync(storePath(dir))) {
    throw new CliError(`profile ${dir} already holds a device; choose another --profile`, ExitCode.Conflict);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = lockProfile(dir);
  try {
    const passphrase = await readPassphrase(true);
    const password = await readPassword(createAccount);
    const server = options.server ?? DEFAULT_SERVER;
    const client = new ParleyClient(server);
    if (createAccount) await client.createAccount(username, password);
    await client.login(username, password);
    const { domain } = await client.serverKey();
    const keys = generateDeviceKeys(ONE_TIME_KEY_TARGET);
    const address = `${username}@${domain}`;
    const { identity, deviceList, reset, restored } = await place({ username, deviceName, server, address, domain, client, keys });
    const request = deviceRegistrationRequest(keys, deviceName, deviceList);
    const { deviceId, accessToken, refreshToken, expiresIn } = await (reset ? client.resetAccount(request) : client.createDevice(request));
    const profile: DeviceProfile = {
      ...restored,
      server,
      username,
      deviceId,
      deviceName,
      tokens: { accessToken, refreshToken, expiresIn },
      domain,
      accountIdentity: toBase64(identity.serialize()),
      contacts: {
        ...restored?.contacts,
        [address]: {
          address,
          accountIdentityKey: deviceList.accountIdentityKey,
          listVersion: deviceList.version,
          devices: deviceList.devices,
          verified: true,
        },
      },
      ownLists: { ...restored?.ownLists, [String(deviceList.version)]: deviceListHash(deviceList) },
    };
    const store = await DeviceStore.create<DeviceProfile>(storePath(dir), passphrase, keys, profile);
    return new DeviceContext(store, release, { name: options.profile, dir });
  } catch (error) {
    release();
    throw error;
  }
}
