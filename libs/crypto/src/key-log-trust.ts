import type { ConsistencyProofResponse, CheckpointResponse, ListInclusion, SignedDeviceList } from '@parley/protocol';
import {
  Checkpoint,
  Cosigner,
  NoteSignature,
  NoteVerifier,
  TransparencyError,
  decodeKeyLeaf,
  deviceListHash,
  followKeyRotations,
  hashLeaf,
  keyLogOriginOf,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  rawPublicKey,
  verifyCheckpoint,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
} from '@parley/transparency';

/**
 * Why a key log check failed (API.md section 8, client obligations).
 * `missing_proof`, `bad_proof` and `bad_checkpoint` refuse one bundle;
 * `log_fork` means the server signed two histories that no consistency
 * proof joins (a fork, a rewritten or rolled back log): evidence against
 * the server as a whole, not a reason to retry. `not_witnessed` (only
 * when witnesses are required): no checkpoint that holds the list has
 * been cosigned by a required witness yet; it may be in a few seconds.
 */
export type KeyLogFailureReason = 'missing_proof' | 'bad_proof' | 'bad_checkpoint' | 'log_fork' | 'not_witnessed';

export class KeyLogError extends Error {
  override name = 'KeyLogError';
  constructor(
    readonly reason: KeyLogFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a client remembers of one key log. `verifierKey` is pinned on
 * first use and never replaced by a later answer; `checkpoint` is the
 * newest checkpoint seen (a signed note), the one every later checkpoint
 * must be consistent with.
 */
export interface KeyLogRecord {
  origin: string;
  /** C2SP verifier key, pinned on first use; replaced only by following the server's key rotations. */
  verifierKey?: string;
  /** The time of the server's rotation statement the pinned key was followed through (none: pinned on first use). */
  keyRotatedAt?: number;
  checkpoint?: string;
  /** The largest tree size a required witness has been seen to cosign (consistent with `checkpoint`). */
  witnessedSize?: number;
}

export interface KeyLogStore {
  get(origin: string): Promise<KeyLogRecord | null>;
  put(record: KeyLogRecord): Promise<void>;
}

export class MemoryKeyLogStore implements KeyLogStore {
  private readonly records = new Map<string, KeyLogRecord>();
  async get(origin: string): Promise<KeyLogRecord | null> {
    const record = this.records.get(origin);
    return record ? { ...record } : null;
  }
  async put(record: KeyLogRecord): Promise<void> {
    this.records.set(record.origin, { ...record });
  }
}

/**
 * One server's key log as the home server serves it: its own (GET
 * /v1/transparency/checkpoint and /consistency) or a peer's, relayed
 * (GET /v1/transparency/logs/:domain/…).
 */
export interface KeyLogSource {
  checkpoint(): Promise<CheckpointResponse>;
  consistency(from: number, to: number): Promise<ConsistencyProofResponse>;
}

const b64 = (text: string) => Buffer.from(text, 'base64');
const wrap = <T>(reason: KeyLogFailureReason, what: string, check: () => T): T => {
  try {
    return check();
  } catch (error) {
    if (error instanceof TransparencyError) throw new KeyLogError(reason, `${what}: ${error.message}`);
    throw error;
  }
};

/** Whether one of `signatures` is `witness`'s valid cosignature of the checkpoint note text `text`. */
function isCosignedBy(text: string, signatures: readonly NoteSignature[], witness: Cosigner): boolean {
  return signatures.some((signature) => {
    try {
      verifyCosignature(text, signature, witness);
      return true;
    } catch (error) {
      if (error instanceof TransparencyError) return false;
      throw error;
    }
  });
}

/** Whether `note` carries a signature line of `verifier`'s name and key ID (not whether it verifies). */
function isSignedBy(note: string, verifier: NoteVerifier): boolean {
  try {
    return parseNote(note).signatures.some((s) => s.name === verifier.name && s.keyId === verifier.keyId);
  } catch (error) {
    if (error instanceof TransparencyError) return false;
    throw error;
  }
}

/**
 * The pure part of the bundle check: the leaf is exactly `list` (address,
 * version, account identity, list hash), and the proof puts it in
 * `checkpoint`'s tree. Throws KeyLogError.
 */
export function verifyListLeaf(list: SignedDeviceList, inclusion: ListInclusion, checkpoint: Checkpoint): void {
  const leafBytes = b64(inclusion.leaf);
  const leaf = wrap('bad_proof', `the key log leaf served for ${list.address}`, () => decodeKeyLeaf(leafBytes));
  const matches =
    leaf.address === list.address &&
    leaf.listVersion === list.version &&
    leaf.accountIdentityKey === list.accountIdentityKey &&
    leaf.listHash === deviceListHash(list);
  if (!matches) {
    throw new KeyLogError('bad_proof', `the key log leaf served for ${list.address} is not its device list version ${list.version}`);
  }
  wrap('bad_proof', `the key log does not include ${list.address}'s device list version ${list.version}`, () =>
    verifyInclusion(inclusion.leafIndex, checkpoint.size, hashLeaf(leafBytes), inclusion.inclusionProof.map(b64), checkpoint.rootHash),
  );
}

/**
 * What a client checks of the key log before it encrypts to a list
 * (API.md section 8): the list's leaf and inclusion proof, the
 * checkpoint's signature by the pinned log key of the list's server, and
 * that each checkpoint is consistent with the newest one seen before of
 * that log. Each log's key is pinned on first use: the home log's from its
 * own GET /v1/transparency/checkpoint, a peer's from the home server's
 * relay, which names the key of the peer's federation key it pinned. One
 * check at a time per client, as ContactTrust.
 */
export class KeyLogTrust {
  /**
   * `logOf(domain)`: the routes of `domain`'s log. `witnesses`: when any
   * are given, a home list is used only once a checkpoint holding it
   * carries a valid cosignature by one of them (their keys come from the
   * client's own configuration, never from the log server: API.md section
   * 8). A peer's lists are not held to them: those witnesses watch the
   * home log.
   */
  constructor(
    private readonly store: KeyLogStore,
    private readonly homeDomain: string,
    private readonly logOf: (domain: string) => KeyLogSource,
    private readonly witnesses: readonly Cosigner[] = [],
  ) {}

  get homeOrigin(): string {
    // Lower case, as lists name the domain.
    return keyLogOriginOf(this.homeDomain.toLowerCase());
  }

  /** Throws KeyLogError unless `inclusion` proves `list` in a checkpoint its server signed, consistent with what was seen. */
  async checkList(list: SignedDeviceList, inclusion: ListInclusion | null | undefined): Promise<void> {
    if (!inclusion) {
      throw new KeyLogError('missing_proof', `the server sent no key log proof for ${list.address}'s device list version ${list.version}`);
    }
    const domain = list.address.slice(list.address.lastIndexOf('@') + 1).toLowerCase();
    const checkpoint = await this.observe(inclusion.checkpoint, domain);
    verifyListLeaf(list, inclusion, checkpoint);
    if (this.witnesses.length > 0 && keyLogOriginOf(domain) === this.homeOrigin) await this.requireWitnessed(list, inclusion.leafIndex);
  }

  /**
   * Throws not_witnessed unless a checkpoint holding leaf `leafIndex` was
   * cosigned by a required witness: the server's `witnessed` checkpoint,
   * verified and made consistent with everything seen (observe), so the
   * witness vouches for the very tree the list's proof is in. A split view
   * then needs the witness's cosignature on the fork, which it refuses.
   */
  private async requireWitnessed(list: SignedDeviceList, leafIndex: number): Promise<void> {
    if (((await this.store.get(this.homeOrigin))?.witnessedSize ?? 0) > leafIndex) return;
    const notYet = (why: string) =>
      new KeyLogError('not_witnessed', `${list.address}'s device list version ${list.version} is not witnessed yet: ${why}`);
    const { witnessed } = await this.logOf(this.homeDomain).checkpoint();
    if (!witnessed) throw notYet('no checkpoint of the log has been cosigned');
    const checkpoint = await this.observe(witnessed);
    const text = parseNote(witnessed).text;
    if (!this.witnesses.some((witness) => isCosignedBy(text, checkpoint.cosignatures, witness))) {
      throw notYet(`the newest witnessed checkpoint carries no valid cosignature by ${this.witnesses.map((w) => w.name).join(' or ')}`);
    }
    if (checkpoint.size <= leafIndex) throw notYet(`the newest witnessed checkpoint (size ${checkpoint.size}) predates it`);
    const record = (await this.store.get(this.homeOrigin)) ?? { origin: this.homeOrigin };
    await this.store.put({ ...record, witnessedSize: Math.max(record.witnessedSize ?? 0, checkpoint.size) });
  }

  /** The home log's newest checkpoint (GET /v1/transparency/checkpoint), verified and made consistent with the newest seen. */
  async latest(): Promise<Checkpoint> {
    return this.observe((await this.logOf(this.homeDomain).checkpoint()).checkpoint);
  }

  /**
   * Verifies a checkpoint of `domain`'s log (the home log by default)
   * with its pinned key and checks it against the newest one seen of that
   * log: a bigger tree must extend it (a consistency proof from the
   * server), the same size must have the same root, and a smaller one must
   * be a prefix of it. Keeps the bigger. A smaller consistent checkpoint
   * is no attack (each server process signs its own, a second apart):
   * nothing it proves can undo a leaf.
   */
  async observe(note: string, domain = this.homeDomain): Promise<Checkpoint & { cosignatures: NoteSignature[] }> {
    const log = this.logOf(domain);
    const origin = keyLogOriginOf(domain.toLowerCase());
    const record = (await this.store.get(origin)) ?? { origin };
    let verifier = await this.pinnedKey(record, log);
    if (!isSignedBy(note, verifier)) verifier = (await this.followRotation(domain.toLowerCase(), record, log, verifier)) ?? verifier;
    const checkpoint = wrap('bad_checkpoint', `the checkpoint of ${origin} is not signed by its pinned log key`, () =>
      verifyCheckpoint(note, origin, verifier),
    );
    // Verified when it was kept (perhaps with a key since rotated away): read, not verified again.
    const newest = record.checkpoint ? parseCheckpoint(record.checkpoint) : null;
    if (newest) await this.checkConsistent(origin, log, newest, checkpoint);
    if (!newest || checkpoint.size > newest.size) await this.store.put({ ...record, checkpoint: note });
    return checkpoint;
  }

  private async checkConsistent(origin: string, log: KeyLogSource, seen: Checkpoint, next: Checkpoint): Promise<void> {
    const fork = (why: string) =>
      new KeyLogError(
        'log_fork',
        `the key log of ${origin} forked: ${why}; its server showed this device two histories (a fork or a rollback)`,
      );
    if (seen.size === next.size) {
      if (!seen.rootHash.equals(next.rootHash)) throw fork(`two checkpoints of size ${seen.size} with different roots`);
      return;
    }
    const [older, newer] = seen.size < next.size ? [seen, next] : [next, seen];
    if (older.size === 0) return;
    const { proof } = await log.consistency(older.size, newer.size);
    try {
      verifyConsistency(older.size, newer.size, proof.map(b64), older.rootHash, newer.rootHash);
    } catch (error) {
      if (!(error instanceof TransparencyError)) throw error;
      const what = seen.size < next.size ? 'the newer checkpoint does not extend' : 'an older checkpoint is not a prefix of';
      throw fork(`${what} the one of size ${seen.size} seen before (${error.message})`);
    }
  }

  /**
   * After the log's server rotated its key (docs/FEDERATION.md, "Rotating
   * this server's key"): the key its source names now, if the server's
   * rotation statements lead to it from the pinned key link by link, each
   * signed by the key it replaces and by its successor. It is pinned in
   * place of the old one. Null otherwise: the checkpoint is then refused
   * as before, and the pinned key stays.
   */
  private async followRotation(
    domain: string,
    record: KeyLogRecord,
    log: KeyLogSource,
    pinned: NoteVerifier,
  ): Promise<NoteVerifier | null> {
    const { verifierKey, keyRotations } = await log.checkpoint();
    if (!keyRotations || verifierKey === record.verifierKey) return null;
    try {
      const next = parseVerifierKey(verifierKey);
      if (next.name !== record.origin) return null;
      const raw = (key: NoteVerifier) => rawPublicKey(key.publicKey).toString('base64');
      const followed = followKeyRotations(domain, { key: raw(pinned), since: record.keyRotatedAt ?? 0 }, keyRotations, raw(next));
      Object.assign(record, { verifierKey, keyRotatedAt: followed.since });
      await this.store.put(record);
      return next;
    } catch (error) {
      if (error instanceof TransparencyError) return null;
      throw error;
    }
  }

  /** The pinned log key; on first use, the key the log's source names, if it is named after the log. */
  private async pinnedKey(record: KeyLogRecord, log: KeyLogSource): Promise<NoteVerifier> {
    if (record.verifierKey) return parseVerifierKey(record.verifierKey);
    const { verifierKey } = await log.checkpoint();
    const verifier = wrap('bad_checkpoint', `the log key of ${record.origin}`, () => parseVerifierKey(verifierKey));
    if (verifier.name !== record.origin) {
      throw new KeyLogError('bad_checkpoint', `the log key served for ${record.origin} is named ${verifier.name}`);
    }
    await this.store.put({ ...record, verifierKey });
    record.verifierKey = verifierKey;
    return verifier;
  }
}
