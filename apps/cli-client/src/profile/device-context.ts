import { existsSync } from 'node:fs';
import { IdentityKeyPair, ProtocolAddress } from '@signalapp/libsignal-client';
import { ParleyClient, TokenPair } from '@parley/protocol';
import { ContactRecord, DeviceStore, KeyLogRecord, fromBase64 } from '@parley/crypto';
import type { AuditHead } from '../audit/audit-check';
import { CliError, ExitCode } from '../cli-error';
import type { HistoryEntry } from '../messaging/history';
import type { OutboxEntry } from '../messaging/outbox';
import type { KeptEnvelope } from '../messaging/retry';
import type { SentEntry } from '../messaging/sent-log';
import { logInDevice } from './device-login';
import { lockProfile } from './profile-lock';
import { profileDirectory, storePath } from './profile-location';
import { readPassphrase } from './secrets';

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
  /** The server's domain: this account is `username@domain` in its signed device lists. */
  domain: string;
  /** Base64 of IdentityKeyPair.serialize() of the account identity, shared by all devices of the account. */
  accountIdentity: string;
  /** Pinned account identities and newest device lists, by full address (this account's own included). */
  contacts: Record<string, ContactRecord>;
  /** Key logs by origin: the pinned log key and the newest checkpoint seen (API.md section 8). */
  keyLogs?: Record<string, KeyLogRecord>;
  /** Witnesses whose cosignature a home list needs (C2SP cosigner verifier keys, `parley witnesses add`). */
  witnesses?: string[];
  /** This account's own device lists that this device has seen signed, list hash by version: what `monitor` expects in the log. */
  ownLists?: Record<string, string>;
  /** How far `monitor` has read the home key log: tree size, right edge (subtree hashes, base64) and this account's newest list version in it. */
  monitored?: { size: number; edge: string[]; lastVersion: number };
  /** The last key log alarm put in the account's audit log, so a repeated alarm is recorded once. */
  reportedAlarm?: string;
  /** The newest audit log entry `parley audit` verified; later histories must still contain it. */
  auditHead?: AuditHead;
  /** Conversations by peer address (messaging/peer-address.ts), oldest message first, bounded. */
  history?: Record<string, HistoryEntry[]>;
  /** Messages this device sent lately, to resend when a recipient device could not decrypt them. */
  sentLog?: SentEntry[];
  /** The newest envelopes that would not decrypt, kept rather than lost with their acknowledgement. */
  undecryptable?: KeptEnvelope[];
  /** Messages written but not yet accepted by the server, oldest first; sent by the next send, inbox or chat. */
  outbox?: OutboxEntry[];
  /** This account's encrypted backup (`parley backup`): its recovery key and the version last stored. */
  backup?: BackupState;
}

export interface BackupState {
  /** Canonical recovery key (libsignal account entropy pool); shown to the user once, when the first backup is stored. */
  recoveryKey: string;
  /** The backup's version on the server as this device last wrote or read it; 0 before the first upload. */
  version: number;
}

/** A device change seen in a contact's newly signed list, for the user to be told about. */
export interface DeviceChange {
  address: string;
  added: number[];
  removed: number[];
}

export const DEFAULT_SERVER = 'http://localhost:3000';

/** Where a profile lives: the --profile value as given, and its directory. */
export interface ProfileLocation {
  name: string;
  dir: string;
}

/**
 * One opened device profile: its store, an SDK client with its tokens, and
 * a queue that runs libsignal work one task at a time. Sending and
 * receiving both load, advance and save ratchet state; interleaved, one
 * would overwrite the other's step. When the refresh token is refused
 * (expired, revoked), the client logs the device in again by signing a
 * challenge, so no command ever needs `parley login` first.
 */
export class DeviceContext {
  readonly client: ParleyClient;
  /** Changes in contacts' device lists met since the last `takeDeviceChanges`. */
  private deviceChanges: DeviceChange[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param server a --server or PARLEY_SERVER given for this run: used now,
   *   stored by `keepServer` only once the command has succeeded, so a typo
   *   does not replace a working URL.
   */
  constructor(
    readonly store: DeviceStore<DeviceProfile>,
    private readonly release: () => void,
    readonly location: ProfileLocation,
    readonly server = store.profile.server,
  ) {
    this.client = new ParleyClient(server, store.profile.tokens);
    this.client.tokens.renewWith(() =>
      logInDevice(this.client, {
        username: this.profile.username,
        deviceId: this.profile.deviceId,
        identityKeyPair: store.identityKeyPair,
        profile: location.name,
      }),
    );
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
  /** This account as its signed lists name it: `username@domain`. */
  get ownAddress(): string {
    return `${this.profile.username}@${this.profile.domain}`;
  }
  get accountIdentity(): IdentityKeyPair {
    return IdentityKeyPair.deserialize(fromBase64(this.profile.accountIdentity));
  }

  /** Stores the server URL this run used; called once the command has succeeded. */
  keepServer(): void {
    this.profile.server = this.server;
  }

  noteDeviceChange(change: DeviceChange): void {
    this.deviceChanges.push(change);
  }
  takeDeviceChanges(): DeviceChange[] {
    return this.deviceChanges.splice(0);
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

/** `readOnly`: opens without taking the lock, for commands that neither write the profile nor call the server. */
export async function openDevice(options: GlobalOptions, { readOnly = false } = {}): Promise<DeviceContext> {
  const dir = profileDirectory(options.profile);
  if (!existsSync(storePath(dir))) {
    throw new CliError(`no device in profile ${dir}; create one with \`parley register\` or \`parley link\``, ExitCode.NotFound);
  }
  const release = readOnly ? () => undefined : lockProfile(dir);
  try {
    const store = await DeviceStore.open<DeviceProfile>(storePath(dir), await readPassphrase());
    if (!store.profile.accountIdentity) {
      throw new CliError(`profile ${dir} predates account identities; register or link a new profile`, ExitCode.Conflict);
    }
    return new DeviceContext(store, release, { name: options.profile, dir }, options.server);
  } catch (error) {
    release();
    throw error;
  }
}
