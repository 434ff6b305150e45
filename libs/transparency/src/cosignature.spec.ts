import { generateKeyPairSync } from 'node:crypto';
import { signCheckpoint } from './checkpoint';
import {
  cosignatureTimestamp,
  cosignCheckpoint,
  cosignerVerifierKey,
  formatSignatureLine,
  parseCosignerVerifierKey,
  verifyCosignature,
} from './cosignature';
import { parseNote, rawPublicKey } from './signed-note';

/**
 * Vectors: the cosignature line of the example in C2SP/C2SP tlog-cosignature.md
 * (its key is not published: the timestamp is checked, which the spec's
 * example message states as 1679315147), and from transparency-dev/formats
 * note/note_cosigv1_test.go a native cosigner verifier key (type 0x04) and
 * a cosignature whose timestamp is 1727964367.
 */
const C2SP_EXAMPLE_SIGNATURE = 'jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
const FORMATS_SIGNATURE = 'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==';
const FORMATS_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';

const ORIGIN = 'a.example/parley-keys';
const WITNESS = 'b.example/parley-witness';
const signatureOf = (base64: string) => {
  const bytes = Buffer.from(base64, 'base64');
  return { name: 'w', keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
};

function setup() {
  const log = generateKeyPairSync('ed25519');
  const witness = generateKeyPairSync('ed25519');
  const checkpoint = signCheckpoint({ origin: ORIGIN, size: 7, rootHash: Buffer.alloc(32, 3) }, log.privateKey);
  const cosigner = parseCosignerVerifierKey(cosignerVerifierKey(WITNESS, rawPublicKey(witness.publicKey)));
  return { log, witness, checkpoint, text: parseNote(checkpoint).text, cosigner };
}

describe('Ed25519 cosignatures (C2SP tlog-cosignature)', () => {
  it('reads the timestamps of published cosignatures', () => {
    expect(cosignatureTimestamp(signatureOf(C2SP_EXAMPLE_SIGNATURE))).toBe(1679315147);
    expect(cosignatureTimestamp(signatureOf(FORMATS_SIGNATURE))).toBe(1727964367);
  });

  it('accepts a published cosigner verifier key (its key ID is SHA-256(name, 0x0A, 0x04, key)[:4])', () => {
    expect(parseCosignerVerifierKey(FORMATS_VKEY).name).toBe('remora.n621.de');
    expect(() => parseCosignerVerifierKey(FORMATS_VKEY.replace('da77ade7', 'da77ade8'))).toThrow('key ID');
  });

  it('cosigns a checkpoint and verifies the cosignature; the line appends to the note', () => {
    const { witness, checkpoint, text, cosigner } = setup();
    const signature = cosignCheckpoint(checkpoint, WITNESS, witness.privateKey, 1700000000);
    expect(verifyCosignature(text, signature, cosigner)).toEqual({ timestamp: 1700000000 });
    const cosigned = parseNote(checkpoint + formatSignatureLine(signature));
    expect(cosigned.signatures.map((s) => s.name)).toEqual([ORIGIN, WITNESS]);
    expect(verifyCosignature(cosigned.text, cosigned.signatures[1], cosigner).timestamp).toBe(1700000000);
  });

  it.each([
    ['another checkpoint', (s: ReturnType<typeof setup>) => ({ text: s.text.replace('\n7\n', '\n8\n') })],
    ['another timestamp', () => ({ retime: 1700000001 })],
    ['the log signature of the same key (type 0x01), not a cosignature', () => ({ logSignature: true })],
    ['another witness name', () => ({ name: 'c.example/parley-witness' })],
  ])('refuses %s', (_case, change) => {
    const s = setup();
    const c = change(s) as { text?: string; retime?: number; logSignature?: boolean; name?: string };
    let signature = cosignCheckpoint(s.checkpoint, WITNESS, s.witness.privateKey, 1700000000);
    if (c.retime) signature.signature.writeBigUInt64BE(BigInt(c.retime));
    if (c.logSignature)
      signature = parseNote(signCheckpoint({ origin: WITNESS, size: 7, rootHash: Buffer.alloc(32) }, s.witness.privateKey)).signatures[0];
    if (c.name) signature = { ...signature, name: c.name };
    expect(() => verifyCosignature(c.text ?? s.text, signature, s.cosigner)).toThrow();
  });

  it('refuses a cosignature without a timestamp, as tlog-witness requires one', () => {
    const { witness, checkpoint } = setup();
    expect(() => cosignCheckpoint(checkpoint, WITNESS, witness.privateKey, 0)).toThrow('timestamp');
  });
});
