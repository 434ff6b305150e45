import { ErrorCode } from '@parley/protocol';
import { consistencyProofRanges, hashLeaf, treeHash } from '@parley/transparency';
import { checkSubmission, KnownCheckpoint, WitnessState } from './witness-check';

const leaves = Array.from({ length: 8 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
const other = Array.from({ length: 8 }, (_, i) => hashLeaf(Buffer.from(`rewritten ${i}`)));
const tree = (hashes: Buffer[], size: number): KnownCheckpoint => ({
  size,
  rootHash: treeHash(hashes.slice(0, size)),
  note: `note ${size}`,
});
/** The proof from 3 to 7 leaves, from the ranges a log reads (each range's hash). */
const proof3to7 = consistencyProofRanges(3, 7).map((r) => treeHash(leaves.slice(r.start, r.end)));

const fresh: WitnessState = { cosigned: null, sameSize: null, equivocated: false };
const at3: WitnessState = { cosigned: tree(leaves, 3), sameSize: null, equivocated: false };

describe('checkSubmission (C2SP tlog-witness add-checkpoint)', () => {
  it.each([
    ['a first checkpoint, old size 0', { oldSize: 0, proof: [], checkpoint: tree(leaves, 7) }, fresh, 'cosign'],
    ['a grown checkpoint with its proof', { oldSize: 3, proof: proof3to7, checkpoint: tree(leaves, 7) }, at3, 'cosign'],
    [
      'the cosigned checkpoint again',
      { oldSize: 3, proof: [], checkpoint: tree(leaves, 3) },
      { ...at3, sameSize: tree(leaves, 3) },
      'cosign',
    ],
    ['old size above the size', { oldSize: 7, proof: [], checkpoint: tree(leaves, 3) }, at3, ErrorCode.TreeSizeOutOfRange],
    ['old size not the cosigned one (409)', { oldSize: 0, proof: [], checkpoint: tree(leaves, 7) }, at3, ErrorCode.OldSizeMismatch],
    ['a proof with old size 0', { oldSize: 0, proof: proof3to7, checkpoint: tree(leaves, 7) }, fresh, ErrorCode.InconsistentCheckpoint],
    ['size 0 with a root', { oldSize: 0, proof: [], checkpoint: { ...tree(leaves, 1), size: 0 } }, fresh, ErrorCode.InconsistentCheckpoint],
    [
      'anything of a log caught equivocating',
      { oldSize: 3, proof: proof3to7, checkpoint: tree(leaves, 7) },
      { ...at3, equivocated: true },
      ErrorCode.LogEquivocated,
    ],
    ['a rewritten history (proof fails)', { oldSize: 3, proof: proof3to7, checkpoint: tree(other, 7) }, at3, 'inconsistent'],
    ['a second root for a seen size', { oldSize: 3, proof: [], checkpoint: tree(other, 3) }, { ...at3, sameSize: tree(leaves, 3) }, 'fork'],
    [
      'a second root for a size seen in gossip, whatever old size',
      { oldSize: 0, proof: [], checkpoint: tree(other, 5) },
      { ...at3, sameSize: tree(leaves, 5) },
      'fork',
    ],
  ])('%s', (_name, submission, state, expected) => {
    const verdict = checkSubmission(submission, state);
    const got = verdict.verdict === 'refuse' ? verdict.code : verdict.verdict === 'equivocation' ? verdict.kind : 'cosign';
    expect(got).toBe(expected);
  });

  it('answers 409 with the size it last cosigned', () => {
    expect(checkSubmission({ oldSize: 1, proof: [], checkpoint: tree(leaves, 7) }, at3)).toMatchObject({ extra: { latestSize: 3 } });
  });
});
