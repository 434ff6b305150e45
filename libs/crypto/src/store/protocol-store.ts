import {
  Direction,
  IdentityChange,
  IdentityKeyStore,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyRecord,
  PreKeyStore,
  PrivateKey,
  ProtocolAddress,
  PublicKey,
  SessionRecord,
  SessionStore,
  SignedPreKeyRecord,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';
import type { ProtocolState } from './protocol-state';

type Bytes = Uint8Array<ArrayBuffer>;
type Persist = () => Promise<void>;

export interface NewKeys {
  preKeys?: PreKeyRecord[];
  kyberPreKeys?: KyberPreKeyRecord[];
  signedPreKey?: SignedPreKeyRecord;
  lastResortKey?: KyberPreKeyRecord;
}

const addressKey = (address: ProtocolAddress) => `${address.name()}.${address.deviceId()}`;

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
}

class StateSessionStore extends SessionStore {
  constructor(
    readonly records: Map<string, Bytes>,
    private readonly persist: Persist,
  ) {
    super();
  }
  async saveSession(address: ProtocolAddress, record: SessionRecord) {
    this.records.set(addressKey(address), record.serialize());
    await this.persist();
  }
  async getSession(address: ProtocolAddress) {
    const bytes = this.records.get(addressKey(address));
    return bytes ? SessionRecord.deserialize(bytes) : null;
  }
  async getExistingSessions(addresses: ProtocolAddress[]) {
    const records = await Promise.all(addresses.map((a) => this.getSession(a)));
    return records.filter((r): r is SessionRecord => r !== null);
  }
  /** Device ids of `name` that this device has a session with. */
  deviceIds(name: string): number[] {
    const prefix = `${name}.`;
    return [...this.records.keys()]
      .filter((key) => key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length)))
      .map((key) => Number(key.slice(prefix.length)))
      .sort((a, b) => a - b);
  }
  /**
   * Device ids of `name` with a current session. A record holding only
   * archived states (the device went away, or asked for a new session) is
   * left out: nothing is encrypted with it, but a message sent over it
   * before then still decrypts.
   */
  currentDeviceIds(name: string): number[] {
    return this.deviceIds(name).filter((id) => SessionRecord.deserialize(this.records.get(`${name}.${id}`)!).hasCurrentState());
  }
  /** Forgets a session (its device was removed or re-registered); the next send starts a new one. */
  async deleteSession(address: ProtocolAddress) {
    this.records.delete(addressKey(address));
    await this.persist();
  }
}

/**
 * Trust on first use: a changed identity is accepted and recorded, as Signal
 * clients do by default; `fingerprint` lets people verify it out of band.
 */
class StateIdentityStore extends IdentityKeyStore {
  constructor(
    private readonly state: ProtocolState,
    private readonly persist: Persist,
  ) {
    super();
  }
  get records() {
    return this.state.identities;
  }
  async getIdentityKey(): Promise<PrivateKey> {
    return this.state.identityKeyPair.privateKey;
  }
  async getLocalRegistrationId() {
    return this.state.registrationId;
  }
  async saveIdentity(address: ProtocolAddress, key: PublicKey) {
    const existing = this.records.get(addressKey(address));
    this.records.set(addressKey(address), key.serialize());
    await this.persist();
    return existing && !Buffer.from(existing).equals(Buffer.from(key.serialize()))
      ? IdentityChange.ReplacedExisting
      : IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(_address: ProtocolAddress, _key: PublicKey, _direction: Direction) {
    return true;
  }
  async getIdentity(address: ProtocolAddress) {
    const bytes = this.records.get(addressKey(address));
    return bytes ? PublicKey.deserialize(bytes) : null;
  }
}

class StatePreKeyStore extends PreKeyStore {
  constructor(
    readonly records: Map<number, Bytes>,
    private readonly persist: Persist,
  ) {
    super();
  }
  async savePreKey(id: number, record: PreKeyRecord) {
    this.records.set(id, record.serialize());
    await this.persist();
  }
  async getPreKey(id: number) {
    return PreKeyRecord.deserialize(required(this.records.get(id), `prekey ${id}`));
  }
  async removePreKey(id: number) {
    this.records.delete(id);
    await this.persist();
  }
}

class StateSignedPreKeyStore extends SignedPreKeyStore {
  constructor(
    readonly records: Map<number, Bytes>,
    private readonly persist: Persist,
  ) {
    super();
  }
  async saveSignedPreKey(id: number, record: SignedPreKeyRecord) {
    this.records.set(id, record.serialize());
    await this.persist();
  }
  async getSignedPreKey(id: number) {
    return SignedPreKeyRecord.deserialize(required(this.records.get(id), `signed prekey ${id}`));
  }
  /** Keeps the newest `keep` signed prekeys: older ones only matter to bundles fetched long ago. */
  async pruneTo(keep: number) {
    const ids = [...this.records.keys()].sort((a, b) => a - b);
    ids.slice(0, Math.max(0, ids.length - keep)).forEach((id) => this.records.delete(id));
    await this.persist();
  }
}

/** One-time Kyber keys are removed once used; last-resort keys never are. */
class StateKyberPreKeyStore extends KyberPreKeyStore {
  constructor(
    readonly records: Map<number, Bytes>,
    readonly lastResortIds: Set<number>,
    private readonly persist: Persist,
  ) {
    super();
  }
  async saveKyberPreKey(id: number, record: KyberPreKeyRecord) {
    this.records.set(id, record.serialize());
    await this.persist();
  }
  async getKyberPreKey(id: number) {
    return KyberPreKeyRecord.deserialize(required(this.records.get(id), `kyber prekey ${id}`));
  }
  async markKyberPreKeyUsed(id: number) {
    if (this.lastResortIds.has(id)) return;
    this.records.delete(id);
    await this.persist();
  }
}

/**
 * All libsignal stores of one device over one ProtocolState. Every change
 * calls `persist()`, which is a no-op here and writes the file in DeviceStore;
 * libsignal awaits it, so a session is on disk before a message that used
 * it is sent or acknowledged.
 */
export class ProtocolStore {
  readonly sessions: StateSessionStore;
  readonly identities: StateIdentityStore;
  readonly preKeys: StatePreKeyStore;
  readonly signedPreKeys: StateSignedPreKeyStore;
  readonly kyberPreKeys: StateKyberPreKeyStore;

  constructor(readonly state: ProtocolState) {
    const persist = () => this.persist();
    this.sessions = new StateSessionStore(state.sessions, persist);
    this.identities = new StateIdentityStore(state, persist);
    this.preKeys = new StatePreKeyStore(state.preKeys, persist);
    this.signedPreKeys = new StateSignedPreKeyStore(state.signedPreKeys, persist);
    this.kyberPreKeys = new StateKyberPreKeyStore(state.kyberPreKeys, state.lastResortKyberIds, persist);
  }

  get identityKeyPair() {
    return this.state.identityKeyPair;
  }
  get registrationId() {
    return this.state.registrationId;
  }

  /** Takes the next `count` ids of an id space; ids wrap within 1..2^24-1 (API.md section 1). */
  allocateKeyIds(space: keyof ProtocolState['lastKeyIds'], count: number): number[] {
    const first = this.state.lastKeyIds[space];
    const ids = Array.from({ length: count }, (_, i) => ((first + i) % 0xffffff) + 1);
    this.state.lastKeyIds[space] = ids[ids.length - 1] ?? first;
    return ids;
  }

  /** Stores freshly generated private keys with one write, however many there are. */
  async addKeys(keys: NewKeys): Promise<void> {
    keys.preKeys?.forEach((r) => this.state.preKeys.set(r.id(), r.serialize()));
    keys.kyberPreKeys?.forEach((r) => this.state.kyberPreKeys.set(r.id(), r.serialize()));
    if (keys.signedPreKey) this.state.signedPreKeys.set(keys.signedPreKey.id(), keys.signedPreKey.serialize());
    if (keys.lastResortKey) {
      this.state.kyberPreKeys.set(keys.lastResortKey.id(), keys.lastResortKey.serialize());
      this.state.lastResortKyberIds.add(keys.lastResortKey.id());
    }
    await this.persist();
  }

  protected async persist(): Promise<void> {
    /* in memory only */
  }
}
