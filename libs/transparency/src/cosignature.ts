import { createHash, KeyObject, sign, verify } from 'node:crypto';
import { TransparencyError } from './errors';
import { formatNote, NoteSignature, parseNote, publicKeyFromRaw, rawPublicKey, strictBase64 } from './signed-note';

/**
 * C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519
 * type: a witness's note signature on a checkpoint, whose signed message
 * is `cosignature/v1\ntime <seconds>\n` followed by the checkpoint's note
 * text, and whose signature bytes are the big-endian u64 timestamp
 * followed by the 64-byte Ed25519 signature. The key ID uses the
 * signature type 0x04, so a cosignature can never pass for a log
 * signature (type 0x01) of the same key, nor the reverse.
 */

const COSIGNATURE_TYPE = 0x04;
const ED25519_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const HEADER = 'cosignature/v1\n';

/** The cosigner name of a Parley server as a witness (its federation key signs as this name). */
export const witnessNameOf = (domain: string) => `${domain}/parley-witness`;

/** A witness: its name and Ed25519 public key. */
export interface Cosigner {
  name: string;
  publicKey: KeyObject;
}

/** key ID = SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4], big-endian. */
export function cosignerKeyId(name: string, rawPublicKey: Uint8Array): number {
  return createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, COSIGNATURE_TYPE]))
    .update(rawPublicKey)
    .digest()
    .readUInt32BE(0);
}

/** The cosigner's verifier key string `<name>+<hex key ID>+base64(0x04 || public key)`. */
export function cosignerVerifierKey(name: string, rawKey: Uint8Array): string {
  if (rawKey.length !== ED25519_KEY_SIZE) throw new TransparencyError('an Ed25519 public key is 32 bytes');
  const keyId = cosignerKeyId(name, rawKey).toString(16).padStart(8, '0');
  return `${name}+${keyId}+${Buffer.concat([Buffer.from([COSIGNATURE_TYPE]), rawKey]).toString('base64')}`;
}

/** Parses a cosigner verifier key (type 0x04); throws unless its key ID matches its name and key. */
export function parseCosignerVerifierKey(vkey: string): Cosigner {
  const [name, hexId, ...keyParts] = vkey.split('+');
  if (keyParts.length === 0 || !name || /\s/u.test(name)) throw new TransparencyError('a verifier key is name+keyid+key');
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new TransparencyError('the key ID of a verifier key is 8 lower-case hex digits');
  const key = strictBase64(keyParts.join('+'), 'verifier key');
  if (key.length !== 1 + ED25519_KEY_SIZE || key[0] !== COSIGNATURE_TYPE) throw new TransparencyError('not an Ed25519 cosigner key');
  if (cosignerKeyId(name, key.subarray(1)) !== parseInt(hexId, 16)) {
    throw new TransparencyError('the key ID does not match the key name and key');
  }
  return { name, publicKey: publicKeyFromRaw(key.subarray(1)) };
}

/** The message an Ed25519 cosignature signs: header, time line, then the checkpoint's note text. */
export function cosignedMessage(checkpointText: string, timestamp: number): Buffer {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TransparencyError('a cosignature timestamp is a non-negative integer');
  return Buffer.from(`${HEADER}time ${timestamp}\n${checkpointText}`, 'utf8');
}

/**
 * Cosigns the checkpoint note `checkpoint` (its text; any signatures on it
 * are left out of the signed message) as `name` at `timestamp` (POSIX
 * seconds, not zero: tlog-witness requires a timestamp) and returns the
 * note signature.
 */
export function cosignCheckpoint(checkpoint: string, name: string, privateKey: KeyObject, timestamp: number): NoteSignature {
  if (timestamp <= 0) throw new TransparencyError('a witness cosignature carries a timestamp');
  const text = parseNote(checkpoint).text;
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const signature = sign(null, cosignedMessage(text, timestamp), privateKey);
  return { name, keyId: cosignerKeyId(name, rawPublicKey(privateKey)), signature: Buffer.concat([time, signature]) };
}

/** A signature as the note signature line `— <name> base64(key ID || signature)\n`. */
export function formatSignatureLine(signature: NoteSignature): string {
  const note = formatNote({ text: 'x\n', signatures: [signature] });
  return note.slice('x\n\n'.length);
}

/** The timestamp of an Ed25519 cosignature (POSIX seconds); throws when the signature is not one. */
export function cosignatureTimestamp(signature: NoteSignature): number {
  if (signature.signature.length !== 8 + ED25519_SIGNATURE_SIZE) throw new TransparencyError('not an Ed25519 cosignature (72 bytes)');
  const timestamp = signature.signature.readBigUInt64BE(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new TransparencyError('the cosignature timestamp is out of range');
  return Number(timestamp);
}

/**
 * Verifies `signature` as `cosigner`'s Ed25519 cosignature of the
 * checkpoint whose note text is `checkpointText` (as verifyCheckpoint's
 * caller has it; the note text, without signature lines) and returns its
 * timestamp. Throws TransparencyError when the name or key ID is not the
 * cosigner's, the timestamp is zero (tlog-witness) or the signature is bad.
 */
export function verifyCosignature(checkpointText: string, signature: NoteSignature, cosigner: Cosigner): { timestamp: number } {
  if (signature.name !== cosigner.name) throw new TransparencyError(`the cosignature is by ${signature.name}, not ${cosigner.name}`);
  if (signature.keyId !== cosignerKeyId(cosigner.name, rawPublicKey(cosigner.publicKey))) {
    throw new TransparencyError(`the cosignature's key ID is not the key of ${cosigner.name}`);
  }
  const timestamp = cosignatureTimestamp(signature);
  if (timestamp === 0) throw new TransparencyError('the cosignature has no timestamp');
  if (!verify(null, cosignedMessage(checkpointText, timestamp), cosigner.publicKey, signature.signature.subarray(8))) {
    throw new TransparencyError(`invalid cosignature by ${cosigner.name}`);
  }
  return { timestamp };
}
