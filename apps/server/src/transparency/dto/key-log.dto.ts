import type {
  CheckpointResponse,
  ConsistencyProofResponse,
  InclusionProofResponse,
  KeyLogLeafResponse,
  KeyLogLeavesResponse,
  ListInclusion,
} from '@parley/protocol';

export class CheckpointDto implements CheckpointResponse {
  /** The newest checkpoint, a C2SP tlog-checkpoint signed note: `<domain>/parley-keys`, tree size, base64 root hash, a blank line, the Ed25519 signature line, then one C2SP tlog-cosignature line per peer witness that cosigned this checkpoint (`— <peer>/parley-witness …`). */
  checkpoint: string;
  /** The newest checkpoint that at least one witness cosigned, with its cosignature lines; absent until a witness has cosigned one. Clients that require a cosignature verify it with witness keys they obtained themselves, and a consistency proof to the size they use. */
  witnessed?: string;
  /** The log's C2SP verifier key, `<origin>+<key id>+<base64 key>` (the server's federation key). Pin it; a key that changes without a valid chain in `keyRotations` is an alarm. */
  verifierKey: string;
  /** The server's key rotation statements (docs/FEDERATION.md, "Rotating this server's key"), oldest first, the last introducing the key of `verifierKey`; absent while the key was never rotated. A client that pinned an older key follows them link by link from it, and takes no other new key. */
  keyRotations?: string[];
}

export class InclusionProofDto implements InclusionProofResponse {
  leafIndex: number;
  treeSize: number;
  /** RFC 9162 section 2.1.3 inclusion proof: base64 SHA-256 hashes, lowest level first. */
  proof: string[];
}

export class ConsistencyProofDto implements ConsistencyProofResponse {
  from: number;
  to: number;
  /** RFC 9162 section 2.1.4 consistency proof: base64 SHA-256 hashes. */
  proof: string[];
}

export class KeyLogLeafDto implements KeyLogLeafResponse {
  index: number;
  /** The leaf's bytes, base64: UTF-8 lines `parley-key-leaf-v1`, address, list version, account identity key, list hash, previous leaf index or `none` (docs/API.md section 8). */
  leaf: string;
}

export class KeyLogLeavesDto implements KeyLogLeavesResponse {
  start: number;
  /** The leaves' bytes from `start` on, base64, as GET /v1/transparency/leaves/:index gives each; fewer than `count` (none) where the newest checkpoint ends. */
  leaves: string[];
}

export class ListInclusionDto implements ListInclusion {
  /** Index of the leaf recording this bundle's deviceList. */
  leafIndex: number;
  /** That leaf's bytes, base64. */
  leaf: string;
  /** A recent signed checkpoint whose tree holds the leaf. */
  checkpoint: string;
  /** The leaf's inclusion proof against that checkpoint: base64 hashes, lowest level first. */
  inclusionProof: string[];
}
