import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEAF_INPUTS, ROOT_HASHES } from '../test/example-tree';
import { verifyConsistency, verifyInclusion } from './proof-verification';
import { hashLeaf, treeHash } from './rfc6962';
import { appendLeaves, consistencyProof, HashReader, inclusionProof, NodeId, StoredNode, treeRoot } from './stored-tree';

/** An in-memory store of the nodes appendLeaves returns, as the server's tables hold them. */
class MemoryTree {
  private readonly nodes = new Map<string, Buffer>();
  size = 0;
  private edge: Buffer[] = [];
  root = treeHash([]);

  append(leafHashes: Buffer[]): StoredNode[] {
    const result = appendLeaves(this.size, this.edge, leafHashes);
    for (const node of result.nodes) this.nodes.set(`${node.level}/${node.index}`, node.hash);
    this.size += leafHashes.length;
    this.edge = result.edge;
    this.root = result.root;
    return result.nodes;
  }

  reads: NodeId[][] = [];
  read: HashReader = async (nodes) => {
    this.reads.push([...nodes]);
    return nodes.map((n) => {
      const hash = this.nodes.get(`${n.level}/${n.index}`);
      if (!hash) throw new Error(`node ${n.level}/${n.index} was never stored`);
      return hash;
    });
  };
}

const leafHashes = (n: number) => Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));

/** The happy-path probes of transparency-dev/merkle's testdata are proofs on the RFC 6962 example tree: generation must produce exactly them. */
const vectors = JSON.parse(readFileSync(join(__dirname, '../test/merkle-vectors.json'), 'utf8')) as {
  inclusion: { leafIdx: number; treeSize: number; proof: string[] | null; desc: string }[];
  consistency: { size1: number; size2: number; proof: string[] | null; desc: string }[];
};

describe('the stored tree', () => {
  it('reaches the roots of the RFC 6962 example tree leaf by leaf and in one batch', () => {
    const byLeaf = new MemoryTree();
    LEAF_INPUTS.forEach((leaf, i) => {
      byLeaf.append([hashLeaf(leaf)]);
      expect(byLeaf.root.toString('hex')).toBe(ROOT_HASHES[i + 1]);
    });
    const batched = new MemoryTree();
    batched.append(LEAF_INPUTS.slice(0, 3).map(hashLeaf));
    batched.append(LEAF_INPUTS.slice(3).map(hashLeaf));
    expect(batched.root.toString('hex')).toBe(ROOT_HASHES[8]);
  });

  it('stores each complete subtree once: 2n - 1 nodes for n = 2^k leaves', () => {
    const tree = new MemoryTree();
    const stored = [...tree.append(leafHashes(5)), ...tree.append(leafHashes(11).slice(5)), ...tree.append(leafHashes(16).slice(11))];
    expect(new Set(stored.map((n) => `${n.level}/${n.index}`)).size).toBe(31);
    expect(stored).toHaveLength(31);
  });

  it.each(vectors.inclusion.filter((p) => p.desc === 'happy path').map((p) => [p.leafIdx, p.treeSize, p.proof ?? []] as const))(
    'generates the reference inclusion proof of leaf %i in %i leaves',
    async (index, size, proof) => {
      const tree = new MemoryTree();
      tree.append(LEAF_INPUTS.slice(0, size).map(hashLeaf));
      expect((await inclusionProof(index, size, tree.read)).map((h) => h.toString('base64'))).toEqual(proof);
    },
  );

  it.each(vectors.consistency.filter((p) => p.desc === 'happy path').map((p) => [p.size1, p.size2, p.proof ?? []] as const))(
    'generates the reference consistency proof from %i to %i leaves',
    async (size1, size2, proof) => {
      const tree = new MemoryTree();
      tree.append(LEAF_INPUTS.slice(0, size2).map(hashLeaf));
      expect((await consistencyProof(size1, size2, tree.read)).map((h) => h.toString('base64'))).toEqual(proof);
    },
  );

  it('proves every leaf of every tree up to 70 leaves (and no other leaf in its place), and consistency between every pair of sizes up to 45', async () => {
    const leaves = leafHashes(70);
    const tree = new MemoryTree();
    const roots = [treeHash([])];
    for (let size = 1; size <= 70; size++) {
      tree.append([leaves[size - 1]]);
      roots.push(tree.root);
      expect(tree.root).toEqual(treeHash(leaves.slice(0, size)));
      expect(await treeRoot(size, tree.read)).toEqual(tree.root);
    }
    for (let size = 1; size <= 70; size++) {
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(index, size, tree.read);
        verifyInclusion(index, size, leaves[index], proof, roots[size]);
        if (size > 1) expect(() => verifyInclusion(index, size, leaves[(index + 1) % size], proof, roots[size])).toThrow('another root');
      }
    }
    for (let size2 = 1; size2 <= 45; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        verifyConsistency(size1, size2, await consistencyProof(size1, size2, tree.read), roots[size1], roots[size2]);
      }
    }
  });

  it('reads each proof in one batch of at most 2 log2(n) stored hashes', async () => {
    const tree = new MemoryTree();
    tree.append(leafHashes(1000));
    tree.reads = [];
    const proof = await inclusionProof(617, 1000, tree.read);
    expect(proof).toHaveLength(10);
    expect(tree.reads).toHaveLength(1);
    expect(tree.reads[0].length).toBeLessThanOrEqual(20);
  });
});
