import { existsSync, mkdirSync } from 'node:fs';
import { ProtocolAddress } from '@signalapp/libsignal-client';
import { Limits, ParleyClient, TokenPair } from '@parley/protocol';
import { DeviceStore, ONE_TIME_KEY_TARGET, deviceRegistrationRequest, generateDeviceKeys } from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import { lockProfile } from './profile-lock';
import { profileDirectory, storePath } from './profile-location';
import { readPassphrase, readPassword } from './secrets';

/** Options every command accepts (see program.ts). */
export interface GlobalOptions {
  profile: string;
  server?: string;
  json?: boolean;
}

/** What the CLI keeps next to the libsignal state, encrypted in the same file. */
export interface DeviceProfile {
  server: string;
  username: string;
  deviceId: number;
  deviceName: string;
  tokens: TokenPair;
}

export const DEFAULT_SERVER = 'http://localhost:3000';

/**
 * One opened device profile: its store, an SDK client with its tokens, and
 * a queue that runs libsignal work one task at a time. Sending and
 * receiving both load, advance and save ratchet state; interleaved, one
 * would overwrite the other's step.
 */
export class DeviceContext {
  readonly client: ParleyClient;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: DeviceStore<DeviceProfile>,
    private readonly release: () => void,
  ) {
    this.client = new ParleyClient(store.profile.server, store.profile.tokens);
    // Refresh tokens rotate: the new one must be on disk, or the next run is logged out.
    this.client.tokens.onChange((tokens) => {
      store.profile.tokens = tokens;
      void store.save().catch((error: Error) => process.stderr.write(`could not save new tokens: ${error.message}\n`));
    });
  }

  get profile(): DeviceProfile {
    return this.store.profile;
  }
  get localAddress(): ProtocolAddress {
    return ProtocolAddress.new(this.profile.username, this.profile.deviceId);
  }

  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending writes, then lets other processes use the profile. */
  async close(): Promise<void> {
    await this.exclusive(() => this.store.save());
    this.release();
  }
}

export async function openDevice(options: GlobalOptions): Promise<DeviceContext> {
  const dir = profileDirectory(options.profile);
  if (!existsSync(storePath(dir))) {
    throw new CliError(`no device in profile ${dir}; create one with \`parley register\` or \`parley link\``, ExitCode.NotFound);
  }
  const release = lockProfile(dir);
  try {
    const store = await DeviceStore.open<DeviceProfile>(storePath(dir), await readPassphrase());
    if (options.server) store.profile.server = options.server;
    return new DeviceContext(store, release);
  } catch (error) {
    release();
    throw error;
  }
}

export interface EnrollOptions {
  username: string;
  deviceName: string;
  createAccount: boolean;
}

/**
 * Adds a device to an account (creating the account first for `register`):
 * password login for an account-scoped token, then POST /v1/devices with
 * fresh keys (API.md section 1). The profile is written only once the server
 * has accepted the device, so a failed enrollment leaves nothing behind.
 */
export async function enrollDevice(options: GlobalOptions, enroll: EnrollOptions): Promise<DeviceContext> {
  if (!Limits.usernamePattern.test(enroll.username)) {
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
    const password = await readPassword(enroll.createAccount);
    const server = options.server ?? DEFAULT_SERVER;
    const client = new ParleyClient(server);
    if (enroll.createAccount) await client.createAccount(enroll.username, password);
    await client.login(enroll.username, password);
    const keys = generateDeviceKeys(ONE_TIME_KEY_TARGET);
    const { deviceId, accessToken, refreshToken, expiresIn } = await client.createDevice(
      deviceRegistrationRequest(keys, enroll.deviceName),
    );
    const store = await DeviceStore.create<DeviceProfile>(storePath(dir), passphrase, keys, {
      server,
      username: enroll.username,
      deviceId,
      deviceName: enroll.deviceName,
      tokens: { accessToken, refreshToken, expiresIn },
    });
    return new DeviceContext(store, release);
  } catch (error) {
    release();
    throw error;
  }
}
