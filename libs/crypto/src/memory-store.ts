import {
  Direction,
  IdentityChange,
  IdentityKeyPair,
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
import type { GeneratedDeviceKeys } from './key-generation';

const addressKey = (address: ProtocolAddress) => `${address.name()}.${address.deviceId()}`;

class MemorySessionStore extends SessionStore {
  readonly sessions = new Map<string, Uint8Array<ArrayBuffer>>();
  async saveSession(address: ProtocolAddress, record: SessionRecord) {
    this.sessions.set(addressKey(address), record.serialize());
  }
  async getSession(address: ProtocolAddress) {
    const bytes = this.sessions.get(addressKey(address));
    return bytes ? SessionRecord.deserialize(bytes) : null;
  }
  async getExistingSessions(addresses: ProtocolAddress[]) {
    const records = await Promise.all(addresses.map((a) => this.getSession(a)));
    return records.filter((r): r is SessionRecord => r !== null);
  }
}

/** Trust on first use: a changed identity is accepted and recorded, as Signal clients do by default. */
class MemoryIdentityStore extends IdentityKeyStore {
  readonly identities = new Map<string, Uint8Array<ArrayBuffer>>();
  constructor(private readonly identity: IdentityKeyPair, private readonly registrationId: number) { super(); }
  async getIdentityKey(): Promise<PrivateKey> { return this.identity.privateKey; }
  async getLocalRegistrationId() { return this.registrationId; }
  async saveIdentity(address: ProtocolAddress, key: PublicKey) {
    const existing = this.identities.get(addressKey(address));
    this.identities.set(addressKey(address), key.serialize());
    return existing && !Buffer.from(existing).equals(Buffer.from(key.serialize()))
      ? IdentityChange.ReplacedExisting
      : IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(_address: ProtocolAddress, _key: PublicKey, _direction: Direction) { return true; }
  async getIdentity(address: ProtocolAddress) {
    const bytes = this.identities.get(addressKey(address));
    return bytes ? PublicKey.deserialize(bytes) : null;
  }
}

class MemoryPreKeyStore extends PreKeyStore {
  readonly records = new Map<number, PreKeyRecord>();
  async savePreKey(id: number, record: PreKeyRecord) { this.records.set(id, record); }
  async getPreKey(id: number) {
    const record = this.records.get(id);
    if (!record) throw new Error(`no prekey ${id}`);
    return record;
  }
  async removePreKey(id: number) { this.records.delete(id); }
}

class MemorySignedPreKeyStore extends SignedPreKeyStore {
  readonly records = new Map<number, SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, record: SignedPreKeyRecord) { this.records.set(id, record); }
  async getSignedPreKey(id: number) {
    const record = this.records.get(id);
    if (!record) throw new Error(`no signed prekey ${id}`);
    return record;
  }
}

/** One-time Kyber keys are removed once used; the last-resort key never is. */
class MemoryKyberPreKeyStore extends KyberPreKeyStore {
  readonly records = new Map<number, KyberPreKeyRecord>();
  constructor(private readonly lastResortIds: Set<number>) { super(); }
  async saveKyberPreKey(id: number, record: KyberPreKeyRecord) { this.records.set(id, record); }
  async getKyberPreKey(id: number) {
    const record = this.records.get(id);
    if (!record) throw new Error(`no kyber prekey ${id}`);
    return record;
  }
  async markKyberPreKeyUsed(id: number) {
    if (!this.lastResortIds.has(id)) this.records.delete(id);
  }
}

/** All libsignal stores of one device, in memory: for tests and benchmarks. */
export class MemoryProtocolStore {
  readonly sessions = new MemorySessionStore();
  readonly identities: MemoryIdentityStore;
  readonly preKeys = new MemoryPreKeyStore();
  readonly signedPreKeys = new MemorySignedPreKeyStore();
  readonly kyberPreKeys: MemoryKyberPreKeyStore;

  constructor(keys: GeneratedDeviceKeys) {
    this.identities = new MemoryIdentityStore(keys.identity, keys.registrationId);
    this.kyberPreKeys = new MemoryKyberPreKeyStore(new Set([keys.pqLastResortPreKey.id()]));
    keys.preKeys.forEach((r) => this.preKeys.records.set(r.id(), r));
    this.signedPreKeys.records.set(keys.signedPreKey.id(), keys.signedPreKey);
    this.kyberPreKeys.records.set(keys.pqLastResortPreKey.id(), keys.pqLastResortPreKey);
    keys.pqPreKeys.forEach((r) => this.kyberPreKeys.records.set(r.id(), r));
  }
}
