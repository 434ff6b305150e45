import { EMPTY_ROOT, hashChildren, splitPoint } from './rfc6962';

/**
 * A log's Merkle tree kept as the hashes of its complete subtrees, the
 * model of golang.org/x/mod/sumdb/tlog and of C2SP tlog-tiles: node
 * (level, index) covers leaves [index * 2^level, (index + 1) * 2^level)
 * and, once written, never changes. Every root and proof hash of RFC 6962
 * is a fold of a few of them, so a proof reads O(log n) stored hashes and
 * an append writes the leaf's hash plus one per subtree it completes.
 */

/** A complete subtree: leaves [index * 2^level, (index + 1) * 2^level). */
export interface NodeId {
  level: number;
  index: number;
}

export interface StoredNode extends NodeId {
  hash: Buffer;
}

/** Leaves [start, end): one hash of a proof, MTH(D[start:end]) in RFC 6962's notation. */
export interface LeafRange {
  start: number;
  end: number;
}

/** Reads the hashes of `nodes`, in the same order. */
export type HashReader = (nodes: readonly NodeId[]) => Promise<Buffer[]>;

/**
 * The complete subtrees that make up leaves [start, end), left to right,
 * largest first. For the ranges of RFC 6962 proofs (and for [0, size),
 * the right edge an append needs) this is exactly its recursive split,
 * so MTH of the range is the right-to-left fold of their hashes.
 */
export function rangeNodes(range: LeafRange): NodeId[] {
  const nodes: NodeId[] = [];
  let start = range.start;
  while (start < range.end) {
    let width = 1;
    while (start % (width * 2) === 0 && start + width * 2 <= range.end) width *= 2;
    nodes.push({ level: Math.log2(width), index: start / width });
    start += width;
  }
  return nodes;
}

/** The ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size` leaves: PATH of RFC 6962 section 2.1.1. */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  const path: LeafRange[] = [];
  let { start, end, m } = { start: 0, end: size, m: index };
  // PATH(m, D[start:end]) appends its sibling after the deeper path: walk down, then reverse.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push({ start: start + k, end });
      end = start + k;
    } else {
      path.push({ start, end: start + k });
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** The ranges whose hashes form the consistency proof from `size1` to `size2` leaves: PROOF = SUBPROOF(m, D[n], true), RFC 6962 section 2.1.2. */
export function consistencyProofRanges(size1: number, size2: number): LeafRange[] {
  const proof: LeafRange[] = [];
  let { start, end, m, complete } = { start: 0, end: size2, m: size1, complete: true };
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push({ start: start + k, end });
      end = start + k;
    } else {
      proof.push({ start, end: start + k });
      start += k;
      m -= k;
      complete = false;
    }
  }
  // SUBPROOF(m, D[m], b): the old tree's own subtree, unless it is the whole old tree (the verifier has that root).
  if (!complete) proof.push({ start, end });
  return proof.reverse();
}

/** MTH of each range from the stored hashes: one batched read of every node the ranges need. */
export async function hashRanges(ranges: readonly LeafRange[], read: HashReader): Promise<Buffer[]> {
  const perRange = ranges.map(rangeNodes);
  const unique = new Map<string, NodeId>();
  for (const node of perRange.flat()) unique.set(nodeKey(node), node);
  const hashes = await read([...unique.values()]);
  const byKey = new Map([...unique.keys()].map((key, i) => [key, hashes[i]]));
  return perRange.map((nodes) => foldRight(nodes.map((node) => byKey.get(nodeKey(node))!)));
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves (0 <= index < size, checked by the caller). */
export async function inclusionProof(index: number, size: number, read: HashReader): Promise<Buffer[]> {
  return hashRanges(inclusionProofRanges(index, size), read);
}

/** The consistency proof from `size1` to `size2` leaves (0 < size1 <= size2, checked by the caller). */
export async function consistencyProof(size1: number, size2: number, read: HashReader): Promise<Buffer[]> {
  return hashRanges(consistencyProofRanges(size1, size2), read);
}

/** The root of the tree of `size` leaves: MTH(D[0:size]). */
export async function treeRoot(size: number, read: HashReader): Promise<Buffer> {
  return size === 0 ? EMPTY_ROOT : (await hashRanges([{ start: 0, end: size }], read))[0];
}

/**
 * Appends `leafHashes` to a tree of `size` leaves whose right edge
 * (`rangeNodes({start: 0, end: size})`, in that order) has the hashes
 * `edge`. Returns every node it completes, leaves included, to be
 * stored; the new right edge; and the new root.
 */
export function appendLeaves(
  size: number,
  edge: readonly Buffer[],
  leafHashes: readonly Buffer[],
): { nodes: StoredNode[]; edge: Buffer[]; root: Buffer } {
  const stack = rangeNodes({ start: 0, end: size }).map((node, i) => ({ level: node.level, hash: edge[i] }));
  const nodes: StoredNode[] = [];
  leafHashes.forEach((hash, offset) => {
    const leafIndex = size + offset;
    stack.push({ level: 0, hash });
    nodes.push({ level: 0, index: leafIndex, hash });
    while (stack.length >= 2 && stack[stack.length - 1].level === stack[stack.length - 2].level) {
      const right = stack.pop()!;
      const left = stack.pop()!;
      const parent = { level: left.level + 1, hash: hashChildren(left.hash, right.hash) };
      stack.push(parent);
      nodes.push({ level: parent.level, index: Math.floor(leafIndex / 2 ** parent.level), hash: parent.hash });
    }
  });
  const newEdge = stack.map((entry) => entry.hash);
  return { nodes, edge: newEdge, root: newEdge.length === 0 ? EMPTY_ROOT : foldRight(newEdge) };
}

/** MTH of consecutive complete subtrees, largest first: hashChildren(a, hashChildren(b, …)). */
function foldRight(hashes: readonly Buffer[]): Buffer {
  return hashes.reduceRight((right, left) => hashChildren(left, right));
}

const nodeKey = (node: NodeId) => `${node.level}/${node.index}`;
