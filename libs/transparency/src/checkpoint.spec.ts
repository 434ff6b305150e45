import { generateKeyPairSync } from 'node:crypto';
import { checkpointText, parseCheckpoint, parseCheckpointText, signCheckpoint, verifyCheckpoint } from './checkpoint';
import { ed25519VerifierKey, parseVerifierKey, rawPublicKey } from './signed-note';

/** The example of C2SP/C2SP@5ba5ee8 tlog-checkpoint.md (its key is not published, so it is parsed, not verified). */
const C2SP_EXAMPLE = `example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
`;

const ORIGIN = 'parley.example/parley-keys';
const ROOT = Buffer.alloc(32, 7);

function logKey(name = ORIGIN) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, verifier: parseVerifierKey(ed25519VerifierKey(name, rawPublicKey(publicKey))) };
}

describe('checkpoints', () => {
  it('parses the C2SP example', () => {
    const parsed = parseCheckpoint(C2SP_EXAMPLE);
    expect(parsed).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] });
    expect(parsed.rootHash.toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(parsed.signatures[0].name).toBe('example.com/behind-the-sofa');
  });

  it('signs and verifies a checkpoint, and passes cosignatures through unverified', () => {
    const log = logKey();
    const witness = logKey('witness.example');
    const signed = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: ROOT }, log.privateKey);
    expect(signed.startsWith(`${ORIGIN}\n42\n${ROOT.toString('base64')}\n\n\u2014 ${ORIGIN} `)).toBe(true);
    const cosigned =
      signed +
      signCheckpoint({ origin: ORIGIN, size: 42, rootHash: ROOT }, witness.privateKey).split('\n\n')[1].replace(ORIGIN, 'witness.example');
    const verified = verifyCheckpoint(cosigned, ORIGIN, log.verifier);
    expect(verified).toMatchObject({ origin: ORIGIN, size: 42, rootHash: ROOT, extensions: [] });
    expect(verified.cosignatures.map((s) => s.name)).toEqual(['witness.example']);
  });

  it.each([
    ['signed by another key', (s: string) => s, () => logKey().verifier, 'no verifiable signature'],
    ['with a changed size', (s: string) => s.replace('\n42\n', '\n43\n'), undefined, 'invalid signature'],
    ['of another origin', (s: string) => s, undefined, 'not after the origin', 'other.example/parley-keys'],
  ])('refuses a checkpoint %s', (_case, mangle, otherKey, error, origin = ORIGIN) => {
    const log = logKey();
    const signed = mangle(signCheckpoint({ origin: ORIGIN, size: 42, rootHash: ROOT }, log.privateKey));
    expect(() => verifyCheckpoint(signed, origin, otherKey ? otherKey() : log.verifier)).toThrow(error);
  });

  it.each([
    ['no root line', 'o\n1\n'],
    ['an empty origin', '\n1\n' + ROOT.toString('base64') + '\n'],
    ['a size with a leading zero', 'o\n01\n' + ROOT.toString('base64') + '\n'],
    ['a negative size', 'o\n-1\n' + ROOT.toString('base64') + '\n'],
    ['a size beyond 2^53', 'o\n18446744073709551615\n' + ROOT.toString('base64') + '\n'],
    ['a root of 31 bytes', 'o\n1\n' + Buffer.alloc(31).toString('base64') + '\n'],
    ['a root without padding', 'o\n1\n' + ROOT.toString('base64').replace('=', '') + '\n'],
    ['an empty extension line', 'o\n1\n' + ROOT.toString('base64') + '\n\n'],
    ['no final newline', 'o\n1\n' + ROOT.toString('base64')],
  ])('refuses a checkpoint text with %s', (_case, text) => {
    expect(() => parseCheckpointText(text)).toThrow();
  });

  it('writes the text parseCheckpointText reads', () => {
    const text = checkpointText({ origin: ORIGIN, size: 0, rootHash: ROOT });
    expect(parseCheckpointText(text)).toEqual({ origin: ORIGIN, size: 0, rootHash: ROOT, extensions: [] });
  });
});
