import { performance } from 'node:perf_hooks';
import {
  ContactTrust,
  KeyLogTrust,
  MemoryKeyLogStore,
  deviceListEntry,
  generateAccountIdentity,
  generateDeviceKeys,
  MemoryContactStore,
  signListWithDevice,
} from '@parley/crypto';
import type { SignedDeviceList } from '@parley/protocol';
import { encodeKeyLeaf, keyLeafFor } from '@parley/transparency';
import { MemoryLog } from '@parley/transparency/memory-log';

export interface TrustCheckResult {
  devices: number;
  microsPerCheck: number;
}

/**
 * What a sender pays before encrypting to a contact (issue: signed device
 * lists): ContactTrust.checkBundle verifies the list's signature and every
 * bundle device against it, once per bundle fetch. In-process, no server:
 * the figure is the client's CPU per send that needs a fresh bundle.
 */
export async function runTrustCheck(devices: number, iterations: number): Promise<TrustCheckResult> {
  const identity = generateAccountIdentity();
  let list: SignedDeviceList | null = null;
  for (let id = 1; id <= devices; id++) {
    list = signListWithDevice(identity, 'bob@b.example', list, deviceListEntry(generateDeviceKeys(0), id));
  }
  const bundle = { devices: list!.devices, deviceList: list };
  const trust = new ContactTrust(new MemoryContactStore());
  for (let i = 0; i < 200; i++) await trust.checkBundle('bob@b.example', bundle); // warm-up, and the pin
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const check = await trust.checkBundle('bob@b.example', bundle);
    if (!check.ok) throw new Error(`trust check failed: ${check.message}`);
  }
  return { devices, microsPerCheck: ((performance.now() - started) * 1000) / iterations };
}

export interface KeyLogCheckResult {
  leaves: number;
  microsPerCheck: number;
}

/**
 * The key log's share of that (API.md section 8): KeyLogTrust.checkList
 * decodes the list's leaf, hashes the list, verifies the checkpoint and
 * the pinned one it must be consistent with (two Ed25519 checks) and the
 * inclusion proof, in a log of `leaves` leaves. In-process: a checkpoint
 * of a grown tree adds one consistency fetch, a network round trip.
 */
export async function runKeyLogCheck(leaves: number, iterations: number): Promise<KeyLogCheckResult> {
  const log = new MemoryLog('b.example/parley-keys');
  for (let i = 0; i < leaves - 1; i += 1000) {
    log.append(...Array.from({ length: Math.min(1000, leaves - 1 - i) }, (_, j) => Buffer.from(`leaf ${i + j}`)));
  }
  const list = signListWithDevice(generateAccountIdentity(), 'bob@b.example', null, deviceListEntry(generateDeviceKeys(0), 1));
  const leafIndex = log.append(encodeKeyLeaf(keyLeafFor(list, null)));
  const checkpoint = log.checkpoint();
  const inclusion = {
    leafIndex,
    leaf: log.leaves[leafIndex].toString('base64'),
    checkpoint,
    inclusionProof: await log.inclusion(leafIndex),
  };
  const trust = new KeyLogTrust(new MemoryKeyLogStore(), 'b.example', () => ({
    checkpoint: async () => ({ checkpoint, verifierKey: log.verifierKey }),
    consistency: () => Promise.reject(new Error('one checkpoint only: no consistency proof is asked for')),
  }));
  for (let i = 0; i < 200; i++) await trust.checkList(list, inclusion); // warm-up, and the pin
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await trust.checkList(list, inclusion);
  return { leaves, microsPerCheck: ((performance.now() - started) * 1000) / iterations };
}
