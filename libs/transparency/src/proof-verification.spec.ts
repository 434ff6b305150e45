import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyConsistency, verifyInclusion } from './proof-verification';

/**
 * Every probe of transparency-dev/merkle@417fb0c testdata/inclusion and
 * testdata/consistency (copied into test/merkle-vectors.json, source named
 * there): happy paths on the RFC 6962 example tree and their mutations
 * (bit flips, wrong sizes and indexes, garbage before and after, the wrong
 * leaf), which proof/verify_test.go runs against the reference verifier.
 */
interface InclusionProbe {
  leafIdx: number | string;
  treeSize: number | string;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
  file: string;
}
interface ConsistencyProbe {
  size1: number | string;
  size2: number | string;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
  file: string;
}

const vectors = JSON.parse(readFileSync(join(__dirname, '../test/merkle-vectors.json'), 'utf8')) as {
  inclusion: InclusionProbe[];
  consistency: ConsistencyProbe[];
};
const b64 = (s: string | null) => Buffer.from(s ?? '', 'base64');
const outcome = (check: () => void) => {
  try {
    check();
    return 'verifies';
  } catch {
    return 'refused';
  }
};

describe('proof verification against the transparency-dev/merkle probes', () => {
  it.each(vectors.inclusion.map((p) => [p.file, p] as const))('inclusion %s', (_file, p) => {
    const check = () => verifyInclusion(Number(p.leafIdx), Number(p.treeSize), b64(p.leafHash), (p.proof ?? []).map(b64), b64(p.root));
    expect(outcome(check)).toBe(p.wantErr ? 'refused' : 'verifies');
  });

  it.each(vectors.consistency.map((p) => [p.file, p] as const))('consistency %s', (_file, p) => {
    const check = () => verifyConsistency(Number(p.size1), Number(p.size2), (p.proof ?? []).map(b64), b64(p.root1), b64(p.root2));
    expect(outcome(check)).toBe(p.wantErr ? 'refused' : 'verifies');
  });
});
