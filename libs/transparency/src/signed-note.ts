import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { TransparencyError } from './errors';

/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys:
 * a text ending in a newline, a blank line, then signature lines
 * "— <key name> base64(key ID || signature)". Parsing is strict (the rules
 * of golang.org/x/mod/sumdb/note `Open`, tested with its vectors);
 * signatures by keys the caller does not know are kept but never trusted.
 */

/** The signature type byte of Ed25519 keys (signed-note, "Signature types"). */
const ED25519_TYPE = 0x01;
const ED25519_KEY_SIZE = 32;
/** More signatures than this make a note malformed (the sumdb note limit; the spec requires accepting at least 16). */
const MAX_SIGNATURES = 100;
const SIGNATURE_PREFIX = '\u2014 ';

export interface NoteSignature {
  name: string;
  /** The key ID, a big-endian uint32. */
  keyId: number;
  /** The signature bytes after the key ID. */
  signature: Buffer;
}

export interface Note {
  /** The signed text, ending in a newline. */
  text: string;
  signatures: NoteSignature[];
}

/** A key that may have signed a note: its name, key ID, and public key. */
export interface NoteVerifier {
  name: string;
  keyId: number;
  publicKey: KeyObject;
}

/** key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], big-endian. */
export function ed25519KeyId(name: string, rawPublicKey: Uint8Array): number {
  return createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, ED25519_TYPE]))
    .update(rawPublicKey)
    .digest()
    .readUInt32BE(0);
}

/** The verifier key string `<name>+<hex key ID>+base64(0x01 || public key)`. */
export function ed25519VerifierKey(name: string, rawPublicKey: Uint8Array): string {
  checkKeyName(name);
  if (rawPublicKey.length !== ED25519_KEY_SIZE) throw new TransparencyError('an Ed25519 public key is 32 bytes');
  const keyId = ed25519KeyId(name, rawPublicKey).toString(16).padStart(8, '0');
  return `${name}+${keyId}+${Buffer.concat([Buffer.from([ED25519_TYPE]), rawPublicKey]).toString('base64')}`;
}

/** Parses a verifier key string; throws unless it is an Ed25519 key whose key ID matches its name and key. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // The name and the key ID hold no "+"; the base64 key may.
  const [name, hexId, ...keyParts] = vkey.split('+');
  const keyText = keyParts.join('+');
  if (keyParts.length === 0) throw new TransparencyError('a verifier key is name+keyid+key');
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new TransparencyError('the key ID of a verifier key is 8 lower-case hex digits');
  const key = strictBase64(keyText, 'verifier key');
  if (key.length !== 1 + ED25519_KEY_SIZE || key[0] !== ED25519_TYPE) throw new TransparencyError('not an Ed25519 verifier key');
  const raw = key.subarray(1);
  const keyId = parseInt(hexId, 16);
  if (ed25519KeyId(name, raw) !== keyId) throw new TransparencyError('the key ID does not match the key name and key');
  return { name, keyId, publicKey: publicKeyFromRaw(raw) };
}

/** An Ed25519 public key object from its 32 raw bytes. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** The 32 raw bytes of an Ed25519 public (or private) key. */
export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

/** Signs `text` (non-empty, ending in a newline) with an Ed25519 key named `name`: the whole note, one signature line. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  checkText(text);
  checkKeyName(name);
  const keyId = ed25519KeyId(name, rawPublicKey(privateKey));
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  return formatNote({ text, signatures: [{ name, keyId, signature }] });
}

/** The note's wire form. */
export function formatNote(note: Note): string {
  const lines = note.signatures.map((s) => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(s.keyId);
    return `${SIGNATURE_PREFIX}${s.name} ${Buffer.concat([id, s.signature]).toString('base64')}\n`;
  });
  return `${note.text}\n${lines.join('')}`;
}

/** Parses a note (its bytes must be valid UTF-8) without checking any signature; throws TransparencyError('malformed note: …'). */
export function parseNote(input: string | Uint8Array): Note {
  const message = typeof input === 'string' ? input : decodeUtf8(input);
  if (hasControlCharacter(message)) throw malformed('a control character other than newline');
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (!block.endsWith('\n')) throw malformed('the signature block does not end in a newline');
  const signatures = block
    .slice(0, -1)
    .split('\n')
    .map((line) => parseSignatureLine(line));
  if (signatures.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures };
}

/**
 * Parses `message` and verifies it (signed-note, "Signatures"): a
 * signature whose name and key ID match a known verifier must verify, or
 * the note is refused; at least one must; signatures of unknown keys are
 * returned as `unverified`, never trusted.
 */
export function openNote(
  message: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): { text: string; verified: NoteSignature[]; unverified: NoteSignature[] } {
  const note = parseNote(message);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const signature of note.signatures) {
    const key = `${signature.name} ${signature.keyId} ${signature.signature.toString('base64')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const known = verifiers.filter((v) => v.name === signature.name && v.keyId === signature.keyId);
    if (known.length > 1) throw new TransparencyError(`ambiguous key ${signature.name}`);
    if (known.length === 0) {
      unverified.push(signature);
    } else if (verify(null, Buffer.from(note.text, 'utf8'), known[0].publicKey, signature.signature)) {
      verified.push(signature);
    } else {
      throw new TransparencyError(`invalid signature for key ${signature.name}`);
    }
  }
  if (verified.length === 0) throw new TransparencyError('the note has no verifiable signature');
  return { text: note.text, verified, unverified };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed('not valid UTF-8');
  }
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('a signature line does not start with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('a signature line has no signature');
  const name = rest.slice(0, space);
  if (!isKeyName(name)) throw malformed('a signature line has an invalid key name');
  const bytes = strictBase64(rest.slice(space + 1), 'signature', true);
  if (bytes.length < 5) throw malformed('a signature is shorter than a key ID and one byte');
  return { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
}

/** Standard base64 with padding, and nothing that decodes the same in another spelling. */
export function strictBase64(text: string, what: string, noteSyntax = false): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (text.length === 0 || bytes.toString('base64') !== text) {
    throw noteSyntax ? malformed(`the ${what} is not base64`) : new TransparencyError(`the ${what} is not base64`);
  }
  return bytes;
}

/** Key names are non-empty and contain no Unicode space and no "+". */
function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

function checkKeyName(name: string): void {
  if (!isKeyName(name)) throw new TransparencyError(`invalid key name ${JSON.stringify(name)}`);
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n') || hasControlCharacter(text)) {
    throw malformed('the text must be non-empty, end in a newline and hold no control character but newlines');
  }
}

/** Notes hold no ASCII control character but the newline (signed-note, "Format"). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return true;
  }
  return false;
}

const malformed = (reason: string) => new TransparencyError(`malformed note: ${reason}`);
