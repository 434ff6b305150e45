import type { GeneratedDeviceKeys } from './key-generation';
import { protocolStateFromKeys } from './store/protocol-state';
import { ProtocolStore } from './store/protocol-store';

/** All libsignal stores of one device, in memory: for tests and benchmarks. */
export class MemoryProtocolStore extends ProtocolStore {
  constructor(keys: GeneratedDeviceKeys) {
    super(protocolStateFromKeys(keys));
  }
}
