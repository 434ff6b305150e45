import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { fromBase64, toBase64 } from '../base64';
import type { GeneratedDeviceKeys } from '../key-generation';

type Bytes = Uint8Array<ArrayBuffer>;

/** The last key id handed out of each id space, so ids are never reused after a key is consumed. */
export interface LastKeyIds {
  preKey: number;
  kyberPreKey: number;
  signedPreKey: number;
}

/**
 * Everything libsignal keeps for one device, as serialized records. Sessions
 * and identities are keyed by `name.deviceId` of the peer's ProtocolAddress.
 */
export interface ProtocolState {
  identityKeyPair: IdentityKeyPair;
  registrationId: number;
  identities: Map<string, Bytes>;
  sessions: Map<string, Bytes>;
  preKeys: Map<number, Bytes>;
  signedPreKeys: Map<number, Bytes>;
  kyberPreKeys: Map<number, Bytes>;
  /** Kyber keys that stay usable after use (API.md section 2: the last-resort key is never consumed). */
  lastResortKyberIds: Set<number>;
  lastKeyIds: LastKeyIds;
}

/** The JSON form of ProtocolState, as it sits (encrypted) on disk. */
export interface ProtocolStateJson {
  identityKeyPair: string;
  registrationId: number;
  identities: Record<string, string>;
  sessions: Record<string, string>;
  preKeys: Record<string, string>;
  signedPreKeys: Record<string, string>;
  kyberPreKeys: Record<string, string>;
  lastResortKyberIds: number[];
  lastKeyIds: LastKeyIds;
}

const maxKey = (ids: number[]) => Math.max(0, ...ids);

export function protocolStateFromKeys(keys: GeneratedDeviceKeys): ProtocolState {
  return {
    identityKeyPair: keys.identity,
    registrationId: keys.registrationId,
    identities: new Map(),
    sessions: new Map(),
    preKeys: new Map(keys.preKeys.map((r) => [r.id(), r.serialize()])),
    signedPreKeys: new Map([[keys.signedPreKey.id(), keys.signedPreKey.serialize()]]),
    kyberPreKeys: new Map([keys.pqLastResortPreKey, ...keys.pqPreKeys].map((r) => [r.id(), r.serialize()])),
    lastResortKyberIds: new Set([keys.pqLastResortPreKey.id()]),
    lastKeyIds: {
      preKey: maxKey(keys.preKeys.map((r) => r.id())),
      kyberPreKey: maxKey([keys.pqLastResortPreKey, ...keys.pqPreKeys].map((r) => r.id())),
      signedPreKey: keys.signedPreKey.id(),
    },
  };
}

const encodeMap = <K>(map: Map<K, Bytes>) => Object.fromEntries([...map].map(([k, v]) => [String(k), toBase64(v)]));
const decodeStringMap = (record: Record<string, string>) => new Map(Object.entries(record).map(([k, v]) => [k, fromBase64(v)]));
const decodeNumberMap = (record: Record<string, string>) => new Map(Object.entries(record).map(([k, v]) => [Number(k), fromBase64(v)]));

export function protocolStateToJson(state: ProtocolState): ProtocolStateJson {
  return {
    identityKeyPair: toBase64(state.identityKeyPair.serialize()),
    registrationId: state.registrationId,
    identities: encodeMap(state.identities),
    sessions: encodeMap(state.sessions),
    preKeys: encodeMap(state.preKeys),
    signedPreKeys: encodeMap(state.signedPreKeys),
    kyberPreKeys: encodeMap(state.kyberPreKeys),
    lastResortKyberIds: [...state.lastResortKyberIds],
    lastKeyIds: { ...state.lastKeyIds },
  };
}

export function protocolStateFromJson(json: ProtocolStateJson): ProtocolState {
  return {
    identityKeyPair: IdentityKeyPair.deserialize(fromBase64(json.identityKeyPair)),
    registrationId: json.registrationId,
    identities: decodeStringMap(json.identities),
    sessions: decodeStringMap(json.sessions),
    preKeys: decodeNumberMap(json.preKeys),
    signedPreKeys: decodeNumberMap(json.signedPreKeys),
    kyberPreKeys: decodeNumberMap(json.kyberPreKeys),
    lastResortKyberIds: new Set(json.lastResortKyberIds),
    lastKeyIds: { ...json.lastKeyIds },
  };
}
