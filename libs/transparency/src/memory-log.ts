import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { signCheckpoint } from './checkpoint';
import { EMPTY_ROOT, hashLeaf } from './rfc6962';
import { ed25519VerifierKey, rawPublicKey } from './signed-note';
import { appendLeaves, consistencyProof, inclusionProof, NodeId } from './stored-tree';

/**
 * A key log in memory, signed with its own Ed25519 key: for tests that
 * play a log (or a lying one, whose history they choose leaf by leaf).
 * Not exported from the package index: servers use the stored tree.
 */
export class MemoryLog {
  readonly leaves: Buffer[] = [];
  private readonly nodes = new Map<string, Buffer>();
  private edge: Buffer[] = [];
  private root: Buffer = EMPTY_ROOT;

  constructor(
    readonly origin: string,
    readonly key: KeyObject = generateKeyPairSync('ed25519').privateKey,
  ) {}

  get size(): number {
    return this.leaves.length;
  }

  get verifierKey(): string {
    return ed25519VerifierKey(this.origin, rawPublicKey(this.key));
  }

  /** Appends leaves (their bytes); returns the index of the first. */
  append(...leaves: Uint8Array[]): number {
    const first = this.size;
    const appended = appendLeaves(first, this.edge, leaves.map(hashLeaf));
    for (const node of appended.nodes) this.nodes.set(`${node.level}/${node.index}`, node.hash);
    this.leaves.push(...leaves.map((leaf) => Buffer.from(leaf)));
    [this.edge, this.root] = [appended.edge, appended.root];
    return first;
  }

  /** A checkpoint of the whole tree, signed by the log key. */
  checkpoint(): string {
    return signCheckpoint({ origin: this.origin, size: this.size, rootHash: this.root }, this.key);
  }

  async inclusion(index: number, size = this.size): Promise<string[]> {
    return (await inclusionProof(index, size, this.read)).map((h) => h.toString('base64'));
  }

  async consistency(from: number, to = this.size): Promise<string[]> {
    return (await consistencyProof(from, to, this.read)).map((h) => h.toString('base64'));
  }

  private readonly read = async (nodes: readonly NodeId[]) => nodes.map((n) => this.nodes.get(`${n.level}/${n.index}`)!);
}
