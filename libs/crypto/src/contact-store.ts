import type { DeviceListEntry } from '@parley/protocol';

/**
 * What a client remembers of one contact's account. `address` is the full
 * `username@domain` (normalised by the caller: the same account must always
 * be named the same way, or it would be pinned twice).
 */
export interface ContactRecord {
  address: string;
  /** The pinned account identity key (base64): the only key whose device lists are believed. */
  accountIdentityKey: string;
  /** Version of the newest list seen; an older one is a rollback. 0 after an identity change is accepted. */
  listVersion: number;
  /** The devices of that list, in deviceId order. */
  devices: DeviceListEntry[];
  /** The user compared the safety number of the pinned identity. */
  verified: boolean;
  /** A different account identity seen since, awaiting the user's acceptance; sending stays blocked until then. */
  pendingIdentityKey?: string;
}

/** Where ContactTrust keeps its records: a file, a database, or memory. */
export interface ContactStore {
  get(address: string): Promise<ContactRecord | null>;
  put(record: ContactRecord): Promise<void>;
}

/** Records in memory, copied in and out so callers never share them: for tests and short-lived clients. */
export class MemoryContactStore implements ContactStore {
  private readonly records = new Map<string, ContactRecord>();

  async get(address: string): Promise<ContactRecord | null> {
    const record = this.records.get(address);
    return record ? structuredClone(record) : null;
  }

  async put(record: ContactRecord): Promise<void> {
    this.records.set(record.address, structuredClone(record));
  }
}
