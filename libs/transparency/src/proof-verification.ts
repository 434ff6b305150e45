import { TransparencyError } from './errors';
import { HASH_SIZE, hashChildren } from './rfc6962';

/**
 * Proof verification exactly as RFC 9162 sections 2.1.3.2 (inclusion) and
 * 2.1.4.2 (consistency) write it, bit by bit on the two indexes; checked
 * against the probes of transparency-dev/merkle (proof/verify.go is the
 * reference). Each function returns normally or throws TransparencyError.
 *
 * Indexes are JavaScript numbers: safe integers only (2^53 leaves is far
 * beyond any log this code will verify), and halving is Math.floor(x / 2)
 * because the bitwise operators truncate to 32 bits.
 */

/** Throws unless `proof` proves that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`. */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  if (!equal(rootFromInclusionProof(index, size, leafHash, proof), root)) {
    throw new TransparencyError('the inclusion proof leads to another root');
  }
}

/** The root that `proof` yields for `leafHash` at `index` of `size` leaves (RFC 9162 section 2.1.3.2). */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Buffer {
  checkIndex(index, 'leaf index');
  checkIndex(size, 'tree size');
  if (index >= size) throw new TransparencyError(`leaf index ${index} is not below tree size ${size}`);
  checkHash(leafHash, 'leaf hash');
  proof.forEach((p, i) => checkHash(p, `proof entry ${i}`));
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) throw new TransparencyError('the inclusion proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      r = hashChildren(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  if (sn !== 0) throw new TransparencyError('the inclusion proof is too short');
  return r;
}

/**
 * Throws unless `proof` proves that the tree of `size1` leaves with root
 * `root1` is a prefix of the tree of `size2` leaves with root `root2`
 * (RFC 9162 section 2.1.4.2). Equal sizes need an empty proof and equal
 * roots; size1 = 0 proves nothing and is refused, as the reference does.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  checkIndex(size1, 'first tree size');
  checkIndex(size2, 'second tree size');
  if (size1 > size2) throw new TransparencyError(`the first tree size ${size1} is above the second ${size2}`);
  if (size1 === 0) throw new TransparencyError('a consistency proof from the empty tree proves nothing');
  proof.forEach((p, i) => checkHash(p, `proof entry ${i}`));
  if (size1 === size2) {
    if (proof.length > 0) throw new TransparencyError('equal tree sizes take an empty consistency proof');
    if (!equal(root1, root2)) throw new TransparencyError('two different roots for one tree size');
    return;
  }
  if (proof.length === 0) throw new TransparencyError('the consistency proof is empty');
  // Step 2: when size1 is a power of two, the first tree is a complete subtree of the second and its root starts the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) [fn, sn] = [half(fn), half(sn)];
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (const c of path.slice(1)) {
    if (sn === 0) throw new TransparencyError('the consistency proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = hashChildren(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  if (sn !== 0) throw new TransparencyError('the consistency proof is too short');
  if (!equal(fr, root1)) throw new TransparencyError('the consistency proof does not lead to the first root');
  if (!equal(sr, root2)) throw new TransparencyError('the consistency proof does not lead to the second root');
}

function checkIndex(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new TransparencyError(`${what} ${value} is not a non-negative safe integer`);
}

function checkHash(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE) throw new TransparencyError(`${what} is ${hash.length} bytes, not ${HASH_SIZE}`);
}

const isOdd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);
function isPowerOfTwo(x: number): boolean {
  let k = 1;
  while (k < x) k *= 2;
  return k === x;
}
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
