import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { ed25519VerifierKey, openNote, parseNote, parseVerifierKey, rawPublicKey, signNote } from './signed-note';

/**
 * Vectors: golang.org/x/mod@fe2ec04 sumdb/note/note_test.go (TestNewVerifier,
 * TestSign, TestOpen: the PeterNeumann and EnochRoot keys and notes) and
 * C2SP/C2SP@5ba5ee8 signed-note.md ("Verifier keys", Example).
 */
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
/** sumdb's private key string: PRIVATE+KEY+<name>+<key ID>+base64(0x01 || Ed25519 seed). */
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** The Ed25519 key of a 32-byte RFC 8032 seed: PKCS#8 is a fixed 16-byte prefix and the seed. */
function peterPrivateKey() {
  const seed = Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
  return createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

describe('signed notes', () => {
  it('parses the sumdb verifier key and refuses its manglings', () => {
    const peter = parseVerifierKey(PETER_VKEY);
    expect(peter).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3 });
    expect(ed25519VerifierKey('PeterNeumann', rawPublicKey(peter.publicKey))).toBe(PETER_VKEY);
    const refused: string[] = [];
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const bumped = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      for (const mangled of [bumped, PETER_VKEY.slice(0, i), PETER_VKEY.slice(i + 1)]) {
        try {
          parseVerifierKey(mangled);
        } catch {
          refused.push(mangled);
        }
      }
    }
    expect(refused).toHaveLength(PETER_VKEY.length * 3);
    // A wrong-length key and an unknown algorithm, each with its key ID adjusted.
    expect(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).toThrow();
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow();
  });

  it('signs exactly as sumdb does (Ed25519 is deterministic)', () => {
    expect(signNote(TEXT, 'PeterNeumann', peterPrivateKey())).toBe(`${TEXT}\n${PETER_SIG}`);
    expect(() => signNote('abc', 'PeterNeumann', peterPrivateKey())).toThrow('malformed note');
    expect(() => signNote(TEXT, 'Peter Neumann', peterPrivateKey())).toThrow('invalid key name');
  });

  it('opens a note with one known and one unknown signature', () => {
    const opened = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [parseVerifierKey(PETER_VKEY)]);
    expect(opened.text).toBe(TEXT);
    expect(opened.verified.map((s) => [s.name, s.keyId])).toEqual([['PeterNeumann', 0xc74f20a3]]);
    expect(opened.unverified.map((s) => [s.name, s.keyId])).toEqual([['EnochRoot', 0xaf0cfe78]]);
    const both = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [parseVerifierKey(PETER_VKEY), parseVerifierKey(ENOCH_VKEY)]);
    expect(both.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
  });

  it('collapses repeated signatures', () => {
    const corrupted = ENOCH_SIG.slice(0, 60) + 'ABCD' + ENOCH_SIG.slice(60);
    const opened = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${corrupted}`, [parseVerifierKey(PETER_VKEY)]);
    expect(opened.verified).toHaveLength(1);
    expect(opened.unverified).toHaveLength(2);
  });

  it.each([
    ['no known signature', `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [], 'no verifiable signature'],
    ['a known key listed twice', `${TEXT}\n${ENOCH_SIG}`, [ENOCH_VKEY, PETER_VKEY, ENOCH_VKEY], 'ambiguous key'],
    ['101 signatures', `${TEXT}\n${PETER_SIG.repeat(101)}`, [PETER_VKEY], 'malformed note'],
    ['a bad signature by a known key', `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, [PETER_VKEY], 'invalid signature'],
    ['no signatures', TEXT, [PETER_VKEY], 'malformed note'],
    ['a blank line and no signatures', `${TEXT}\n`, [PETER_VKEY], 'malformed note'],
    ['a signature without its newline', `${TEXT}\n${PETER_SIG.slice(0, -1)}`, [PETER_VKEY], 'malformed note'],
    ['a control character', `\x01${TEXT}\n${PETER_SIG}`, [PETER_VKEY], 'malformed note'],
    ['a space in the key name', `${TEXT}\n\u2014 Bad Name ${PETER_SIG.split(' ')[2]}`, [PETER_VKEY], 'malformed note'],
    ['a line after the signatures', `${TEXT}\n${PETER_SIG}Unexpected line.\n`, [PETER_VKEY], 'malformed note'],
    [
      'a signature under another name',
      `${TEXT}\n${PETER_SIG.replace('PeterNeumann', 'CarmenSandiego')}`,
      [PETER_VKEY],
      'no verifiable signature',
    ],
  ])('refuses %s', (_case, message, vkeys, error) => {
    expect(() => openNote(message, vkeys.map(parseVerifierKey))).toThrow(error);
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]);
    expect(() => openNote(bytes, [parseVerifierKey(PETER_VKEY)])).toThrow('not valid UTF-8');
  });

  it('verifies the example of the C2SP signed-note specification', () => {
    const note =
      'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
    const key = parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
    expect(openNote(note, [key]).text).toBe('This is an example message.\n');
    expect(parseNote(note).signatures[0].keyId).toBe(0x530d903a);
  });

  it('round-trips a fresh key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const vkey = parseVerifierKey(ed25519VerifierKey('parley.example/parley-keys', rawPublicKey(publicKey)));
    expect(openNote(signNote('one\ntwo\n', 'parley.example/parley-keys', privateKey), [vkey]).text).toBe('one\ntwo\n');
  });
});
