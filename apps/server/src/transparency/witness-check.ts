import { ErrorCode } from '@parley/protocol';
import { TransparencyError, treeHash, verifyConsistency } from '@parley/transparency';

/** A checkpoint of a peer log as the witness has it: size, root and the signed note. */
export interface KnownCheckpoint {
  size: number;
  rootHash: Buffer;
  note: string;
}

export interface Submission {
  oldSize: number;
  proof: Buffer[];
  /** The submitted checkpoint, its log signature already verified. */
  checkpoint: KnownCheckpoint;
}

export interface WitnessState {
  /** The latest checkpoint this witness cosigned of the log, null before the first. */
  cosigned: KnownCheckpoint | null;
  /** A checkpoint of the submitted size that this witness cosigned or saw in gossip, if any. */
  sameSize: KnownCheckpoint | null;
  /** The log was caught equivocating: nothing more of it is cosigned. */
  equivocated: boolean;
}

export type WitnessVerdict =
  | { verdict: 'cosign' }
  | { verdict: 'refuse'; code: ErrorCode; message: string; extra?: Record<string, unknown> }
  | { verdict: 'equivocation'; kind: 'fork' | 'inconsistent'; against: KnownCheckpoint; message: string };

/**
 * What a witness answers to a validly signed add-checkpoint (C2SP
 * tlog-witness; our codes for its statuses): cosign it, refuse it, or
 * refuse it and record equivocation. Equivocation is a second checkpoint
 * of a size already seen with another root (`fork`: conclusive, both are
 * signed by the log), or one whose consistency proof from the cosigned
 * checkpoint fails (`inconsistent`: tlog-witness's 422, which Parley
 * also treats as the log rewriting its history). The order matters: a
 * log already caught is refused before anything else, so it cannot make
 * the witness record evidence without end; a fork is caught whatever
 * old size comes with it.
 */
export function checkSubmission(submission: Submission, state: WitnessState): WitnessVerdict {
  const { oldSize, proof, checkpoint } = submission;
  if (state.equivocated) {
    return refuse(ErrorCode.LogEquivocated, 'this witness caught the log equivocating and cosigns nothing more of it');
  }
  if (oldSize > checkpoint.size) {
    return refuse(ErrorCode.TreeSizeOutOfRange, `old size ${oldSize} is above the checkpoint size ${checkpoint.size}`);
  }
  if (checkpoint.size === 0 && !checkpoint.rootHash.equals(treeHash([]))) {
    return refuse(ErrorCode.InconsistentCheckpoint, 'a checkpoint of size 0 must have the empty tree’s root');
  }
  if (oldSize === 0 && proof.length > 0) return refuse(ErrorCode.InconsistentCheckpoint, 'old size 0 takes an empty proof');
  if (state.sameSize && !state.sameSize.rootHash.equals(checkpoint.rootHash)) {
    return { verdict: 'equivocation', kind: 'fork', against: state.sameSize, message: `two checkpoints of size ${checkpoint.size}` };
  }
  const cosignedSize = state.cosigned?.size ?? 0;
  if (oldSize !== cosignedSize) {
    return refuse(ErrorCode.OldSizeMismatch, `this witness last cosigned size ${cosignedSize}, not ${oldSize}`, {
      latestSize: cosignedSize,
    });
  }
  if (oldSize === 0 || oldSize === checkpoint.size) return { verdict: 'cosign' };
  try {
    verifyConsistency(oldSize, checkpoint.size, proof, state.cosigned!.rootHash, checkpoint.rootHash);
  } catch (error) {
    if (!(error instanceof TransparencyError)) throw error;
    return { verdict: 'equivocation', kind: 'inconsistent', against: state.cosigned!, message: error.message };
  }
  return { verdict: 'cosign' };
}

const refuse = (code: ErrorCode, message: string, extra?: Record<string, unknown>): WitnessVerdict => ({
  verdict: 'refuse',
  code,
  message,
  ...(extra && { extra }),
});
