import { createHash } from 'node:crypto';
import { encodeDeviceList, UnsignedDeviceList } from '@parley/protocol';
import { TransparencyError } from './errors';

/** First line of every leaf of Parley's key log. */
export const KEY_LEAF_CONTEXT = 'parley-key-leaf-v1';

/**
 * One leaf of the key log: an account's signed device list (and with it
 * its account identity) took effect. Appended for every accepted list,
 * first registration, device added or removed, and account reset.
 */
export interface KeyLeaf {
  /** `username@domain`, as in the list. */
  address: string;
  listVersion: number;
  /** Base64 of the 33-byte account identity key that signed the list. */
  accountIdentityKey: string;
  /** Base64 of SHA-256 over the list's signed bytes (`deviceListHash`). */
  listHash: string;
  /** The index of this account's previous leaf; null for its first. A monitor walks an account's history back along it. */
  previousIndex: number | null;
}

/** SHA-256 of `encodeDeviceList(list)`, base64: what a leaf commits to. The signature is left out, so any device can recompute it from the list's content. */
export function deviceListHash(list: UnsignedDeviceList): string {
  return createHash('sha256').update(encodeDeviceList(list)).digest('base64');
}

/** The leaf recording `list`. */
export function keyLeafFor(list: UnsignedDeviceList, previousIndex: number | null): KeyLeaf {
  return {
    address: list.address,
    listVersion: list.version,
    accountIdentityKey: list.accountIdentityKey,
    listHash: deviceListHash(list),
    previousIndex,
  };
}

/**
 * The leaf's bytes, which the log hashes: UTF-8 lines joined by "\n", no
 * trailing newline: KEY_LEAF_CONTEXT, address, listVersion,
 * accountIdentityKey, listHash, and previousIndex in decimal or `none`.
 */
export function encodeKeyLeaf(leaf: KeyLeaf): Buffer {
  const previous = leaf.previousIndex === null ? 'none' : String(leaf.previousIndex);
  const lines = [KEY_LEAF_CONTEXT, leaf.address, String(leaf.listVersion), leaf.accountIdentityKey, leaf.listHash, previous];
  return Buffer.from(lines.join('\n'), 'utf8');
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
/** Base64 of 33 bytes (44 characters, no padding) and of 32 bytes (43 characters and one "="). */
const KEY_BASE64 = /^[A-Za-z0-9+/]{44}$/;
const HASH_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** Reads leaf bytes; throws TransparencyError unless they are exactly the encoding of one leaf. */
export function decodeKeyLeaf(bytes: Uint8Array): KeyLeaf {
  const lines = Buffer.from(bytes).toString('utf8').split('\n');
  const [context, address, version, accountIdentityKey, listHash, previous] = lines;
  const ok =
    lines.length === 6 &&
    context === KEY_LEAF_CONTEXT &&
    /^[^\s@]+@[^\s@]+$/.test(address) &&
    DECIMAL.test(version) &&
    Number(version) >= 1 &&
    KEY_BASE64.test(accountIdentityKey) &&
    HASH_BASE64.test(listHash) &&
    (previous === 'none' || DECIMAL.test(previous));
  if (!ok) throw new TransparencyError('not a key log leaf');
  const leaf = {
    address,
    listVersion: Number(version),
    accountIdentityKey,
    listHash,
    previousIndex: previous === 'none' ? null : Number(previous),
  };
  if (!Number.isSafeInteger(leaf.listVersion) || (leaf.previousIndex !== null && !Number.isSafeInteger(leaf.previousIndex))) {
    throw new TransparencyError('not a key log leaf');
  }
  if (!encodeKeyLeaf(leaf).equals(Buffer.from(bytes))) throw new TransparencyError('not a key log leaf');
  return leaf;
}
