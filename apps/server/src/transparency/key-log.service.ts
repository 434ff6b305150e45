import { Injectable } from '@nestjs/common';
import {
  CheckpointResponse,
  ConsistencyProofResponse,
  ErrorCode,
  InclusionProofResponse,
  KEY_LOG_LEAVES_PER_PAGE,
  KeyLogLeafResponse,
  KeyLogLeavesResponse,
  ListInclusion,
  SignedDeviceList,
} from '@parley/protocol';
import { consistencyProof, deviceListHash, ed25519VerifierKey, inclusionProof } from '@parley/transparency';
import { Clock } from '../common/clock';
import { ExpiringMap } from '../common/expiring-map';
import { ParleyException } from '../common/parley.exception';
import type { Tx } from '../database/database.service';
import { ServerKeyService } from '../federation/outbound/server-key.service';
import { CosignaturesRepository } from './cosignatures.repository';
import { KeyLogRepository, StoredCheckpoint } from './key-log.repository';
import { KeyLogSequencer } from './key-log.sequencer';

const b64 = (hashes: Buffer[]) => hashes.map((h) => h.toString('base64'));
/** Leaves and proofs kept for bundle fetches: of the accounts fetched most recently, each for ten minutes. */
const SERVED_KEPT = 10_000;
const SERVED_TTL_MS = 600_000;

/**
 * The key log (API.md section 8): records every accepted device list and
 * answers checkpoints, proofs and leaves. Proofs are computed from the
 * stored subtree hashes for any size up to the newest checkpoint's.
 */
@Injectable()
export class KeyLogService {
  private readonly servedLeaves: ExpiringMap<{ index: number; leaf: Buffer }>;
  private readonly servedProofs: ExpiringMap<ListInclusion>;

  constructor(
    private readonly repository: KeyLogRepository,
    private readonly sequencer: KeyLogSequencer,
    private readonly serverKey: ServerKeyService,
    private readonly cosignatures: CosignaturesRepository,
    private readonly clock: Clock,
  ) {
    this.servedLeaves = new ExpiringMap(clock, SERVED_KEPT);
    this.servedProofs = new ExpiringMap(clock, SERVED_KEPT);
  }

  /** Inside the transaction that stores `list`: puts its leaf in the outbox, so the change and its logging commit together. */
  record(list: SignedDeviceList, tx: Tx): Promise<void> {
    return this.repository.insertPending(
      { address: list.address, listVersion: list.version, accountIdentityKey: list.accountIdentityKey, listHash: deviceListHash(list) },
      tx,
    );
  }

  /** After the recording transaction committed: waits for the leaf's checkpoint, at most one checkpoint interval. */
  awaitRecorded(): Promise<void> {
    return this.sequencer.awaitSequenced();
  }

  /**
   * The newest checkpoint with the cosignature lines of the witnesses that
   * cosigned it (appended to the note: C2SP tlog-witness's "concatenate
   * it to the checkpoint"), and the newest cosigned one as `witnessed`.
   */
  async latestCheckpoint(): Promise<CheckpointResponse> {
    const latest = await this.latest();
    const cosignedSize = await this.cosignatures.newestCosignedSize();
    const witnessed = cosignedSize === null ? null : await this.repository.findCheckpoint(cosignedSize);
    const { publicKey, rotations } = this.serverKey.publication();
    return {
      checkpoint: latest.note + (await this.cosignatures.findLines(latest.size)).join(''),
      verifierKey: ed25519VerifierKey(this.sequencer.origin, Buffer.from(publicKey, 'base64')),
      ...(rotations.length > 0 && { keyRotations: rotations }),
      ...(witnessed && { witnessed: witnessed.note + (await this.cosignatures.findLines(witnessed.size)).join('') }),
    };
  }

  /** 400 tree_size_out_of_range beyond the newest checkpoint; 400 leaf_index_out_of_range unless index < size. */
  async inclusionProof(index: number, size: number): Promise<InclusionProofResponse> {
    await this.checkSize(size);
    if (index >= size) throw new ParleyException(ErrorCode.LeafIndexOutOfRange, `leaf ${index} is not in a tree of ${size} leaves`);
    return {
      leafIndex: index,
      treeSize: size,
      proof: b64(await inclusionProof(index, size, (nodes) => this.repository.readHashes(nodes))),
    };
  }

  /** 400 tree_size_out_of_range unless 0 < from <= to <= the newest checkpoint's size. */
  async consistencyProof(from: number, to: number): Promise<ConsistencyProofResponse> {
    await this.checkSize(to);
    if (from === 0 || from > to) throw new ParleyException(ErrorCode.TreeSizeOutOfRange, 'a consistency proof needs 0 < from <= to');
    return { from, to, proof: b64(await consistencyProof(from, to, (nodes) => this.repository.readHashes(nodes))) };
  }

  /** 404 for an index the newest checkpoint does not cover. */
  async leaf(index: number): Promise<KeyLogLeafResponse> {
    const latest = await this.latest();
    const leaf = index < latest.size ? await this.repository.findLeaf(index) : null;
    if (!leaf) throw new ParleyException(ErrorCode.NotFound, `no leaf ${index} in the newest checkpoint`);
    return { index, leaf: leaf.toString('base64') };
  }

  /** 400 validation_failed unless 1 <= count <= KEY_LOG_LEAVES_PER_PAGE; cut short at the newest checkpoint's size. */
  async leaves(start: number, count: number): Promise<KeyLogLeavesResponse> {
    if (count < 1 || count > KEY_LOG_LEAVES_PER_PAGE) {
      throw new ParleyException(ErrorCode.ValidationFailed, `count is 1 to ${KEY_LOG_LEAVES_PER_PAGE} leaves`);
    }
    const end = Math.min(start + count, (await this.latest()).size);
    const leaves = end > start ? await this.repository.findLeaves(start, end) : [];
    return { start, leaves: leaves.map((leaf) => leaf.toString('base64')) };
  }

  /**
   * For a bundle: the leaf recording `list` and its inclusion proof
   * against a recent checkpoint (this process's, refreshed if it predates
   * the leaf). Null when the list's leaf is still in the outbox. A leaf
   * never changes once sequenced, and a proof holds for its checkpoint, so
   * both are kept: a burst of fetches of one account costs one look at the
   * database per new checkpoint (at most one a second), not per fetch.
   */
  async inclusionForList(list: SignedDeviceList | null): Promise<ListInclusion | null> {
    if (!list) return null;
    const leaf = await this.findListLeaf(list);
    if (!leaf) return null;
    let checkpoint = this.sequencer.cachedCheckpoint();
    if (!checkpoint || checkpoint.size <= leaf.index) checkpoint = await this.sequencer.refreshCheckpoint();
    if (!checkpoint || checkpoint.size <= leaf.index) return null;
    const key = String(leaf.index);
    const kept = this.servedProofs.get(key);
    if (kept?.checkpoint === checkpoint.note) return kept;
    const proof = await inclusionProof(leaf.index, checkpoint.size, (nodes) => this.repository.readHashes(nodes));
    const inclusion = {
      leafIndex: leaf.index,
      leaf: leaf.leaf.toString('base64'),
      checkpoint: checkpoint.note,
      inclusionProof: b64(proof),
    };
    this.servedProofs.set(key, inclusion, this.clock.now() + SERVED_TTL_MS);
    return inclusion;
  }

  /** The sequenced leaf of exactly this list version, or null (not sequenced yet, or a newer list exists). */
  private async findListLeaf(list: SignedDeviceList): Promise<{ index: number; leaf: Buffer } | null> {
    const key = `${list.address}|${list.version}`;
    const kept = this.servedLeaves.get(key);
    if (kept) return kept;
    const leaf = await this.repository.findLatestLeaf(list.address);
    if (!leaf || leaf.listVersion !== list.version) return null;
    this.servedLeaves.set(key, leaf, this.clock.now() + SERVED_TTL_MS);
    return leaf;
  }

  private async latest(): Promise<StoredCheckpoint> {
    const latest = await this.sequencer.refreshCheckpoint();
    if (!latest) throw new ParleyException(ErrorCode.ServiceUnavailable, 'the key log has no checkpoint yet');
    return latest;
  }

  /** The cached checkpoint answers sizes it covers; only a larger size costs a look at the database. */
  private async checkSize(size: number): Promise<void> {
    const cached = this.sequencer.cachedCheckpoint();
    if (cached && size <= cached.size) return;
    const latest = await this.latest();
    if (size > latest.size) {
      throw new ParleyException(ErrorCode.TreeSizeOutOfRange, `tree size ${size} is beyond the newest checkpoint's ${latest.size}`, {
        latestSize: latest.size,
      });
    }
  }
}
