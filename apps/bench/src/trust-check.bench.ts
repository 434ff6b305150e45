import { performance } from 'node:perf_hooks';
import {
  ContactTrust,
  deviceListEntry,
  generateAccountIdentity,
  generateDeviceKeys,
  MemoryContactStore,
  signListWithDevice,
} from '@parley/crypto';
import type { SignedDeviceList } from '@parley/protocol';

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
