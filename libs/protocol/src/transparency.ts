/**
 * The key log (API.md section 8): every accepted device list is a leaf of
 * an RFC 6962 Merkle tree whose checkpoints the server signs. Binary
 * values are base64; checkpoints are C2SP signed notes, as text.
 */

/** GET /v1/transparency/checkpoint. */
export interface CheckpointResponse {
  /** The newest checkpoint: a C2SP tlog-checkpoint signed note (origin `<domain>/parley-keys`, size, root). */
  checkpoint: string;
  /** The log's C2SP verifier key (`<origin>+<key id>+<key>`): pin it, don't take it from each answer. */
  verifierKey: string;
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
