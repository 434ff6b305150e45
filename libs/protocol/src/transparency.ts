/**
 * The key log (API.md section 8): every accepted device list is a leaf of
 * an RFC 6962 Merkle tree whose checkpoints the server signs. Binary
 * values are base64; checkpoints are C2SP signed notes, as text.
 */

/** GET /v1/transparency/checkpoint. */
export interface CheckpointResponse {
  /**
   * The newest checkpoint: a C2SP tlog-checkpoint signed note (origin
   * `<domain>/parley-keys`, size, root), followed by the C2SP
   * tlog-cosignature lines of the peers that cosigned this very checkpoint
   * (`— <peer>/parley-witness …`), if any.
   */
  checkpoint: string;
  /**
   * The newest checkpoint that at least one witness cosigned, with its
   * cosignatures; absent while none has. Equal to `checkpoint` when that
   * one is cosigned. A client that requires cosignatures checks these
   * with witness keys it learned on its own, and a consistency proof
   * between this size and the one it uses.
   */
  witnessed?: string;
  /** The log's C2SP verifier key (`<origin>+<key id>+<key>`): pin it, don't take it from each answer. */
  verifierKey: string;
  /**
   * The log server's key rotation statements (docs/FEDERATION.md,
   * "Rotating this server's key"), oldest first, the last one introducing
   * the key of `verifierKey`; absent while its key was never rotated. A
   * client that pinned an older key replaces it only through these,
   * verified link by link from its pinned key (`followKeyRotations`).
   */
  keyRotations?: string[];
}

/** GET /v1/transparency/inclusion?index=&size=. */
export interface InclusionProofResponse {
  leafIndex: number;
  treeSize: number;
  /** RFC 9162 inclusion proof, base64 hashes, lowest level first. */
  proof: string[];
}

/** GET /v1/transparency/consistency?from=&to=. */
export interface ConsistencyProofResponse {
  from: number;
  to: number;
  /** RFC 9162 consistency proof, base64 hashes. */
  proof: string[];
}

/** GET /v1/transparency/leaves/:index. */
export interface KeyLogLeafResponse {
  index: number;
  /** The leaf's bytes (`encodeKeyLeaf` in @parley/transparency), base64. */
  leaf: string;
}

/** The most leaves GET /v1/transparency/leaves answers at once: one C2SP tlog-tiles data tile. */
export const KEY_LOG_LEAVES_PER_PAGE = 256;

/** GET /v1/transparency/leaves?start=&count=: consecutive leaves, cut short at the newest checkpoint's size. */
export interface KeyLogLeavesResponse {
  start: number;
  /** The leaves' bytes from `start` on, base64; fewer than asked for (none at all) where the newest checkpoint ends. */
  leaves: string[];
}

/** What a bundle carries to prove its device list is in the log. */
export interface ListInclusion {
  /** The index of the leaf recording the bundle's `deviceList`. */
  leafIndex: number;
  /** That leaf's bytes, base64. */
  leaf: string;
  /** A recent checkpoint (signed note) whose tree holds the leaf. */
  checkpoint: string;
  /** The leaf's inclusion proof against that checkpoint, base64 hashes. */
  inclusionProof: string[];
}

/**
 * POST /federation/v1/witness/add-checkpoint (docs/FEDERATION.md,
 * "Witnessing key logs"): C2SP tlog-witness add-checkpoint as JSON.
 */
export interface AddCheckpointRequest {
  /** The size of the checkpoint this witness last cosigned for the log (0 when none): tlog-witness's `old` line. */
  oldSize: number;
  /** RFC 9162 consistency proof from oldSize to the checkpoint's size, base64 hashes (at most 63; empty when oldSize is 0 or equal). */
  proof: string[];
  /** The log's checkpoint, a signed note. */
  checkpoint: string;
}

/** 200 answer of add-checkpoint. */
export interface AddCheckpointResponse {
  /** Note signature lines (`— <domain>/parley-witness base64(key ID || timestamp || signature)\n`): tlog-witness's response body. */
  cosignatures: string;
}

/** GET /v1/transparency/equivocations: what this server, as a witness, caught a peer log signing. */
export interface EquivocationRecord {
  id: number;
  /** The log's origin, `<peer domain>/parley-keys`. */
  origin: string;
  /** `fork`: two checkpoints of one size with different roots; `inconsistent`: a checkpoint whose consistency proof from one this witness cosigned fails. */
  kind: 'fork' | 'inconsistent';
  /** Where the second checkpoint came from: `submission` (add-checkpoint) or `gossip` (a relayed bundle). */
  source: 'submission' | 'gossip';
  /** The checkpoint this witness had cosigned or seen, as the log signed it. */
  firstCheckpoint: string;
  /** The conflicting checkpoint, as the log signed it. */
  secondCheckpoint: string;
  /** For `inconsistent`: the proof the log offered, base64 hashes. */
  proof: string[] | null;
  detectedAt: string;
}

export interface EquivocationsResponse {
  equivocations: EquivocationRecord[];
}
