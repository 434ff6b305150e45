import type { KeyObject } from 'node:crypto';
import { TransparencyError } from './errors';
import { HASH_SIZE } from './rfc6962';
import { NoteSignature, NoteVerifier, openNote, parseNote, signNote, strictBase64 } from './signed-note';

/** The origin of a Parley server's key log, which names its checkpoints and their signing key. */
export const keyLogOriginOf = (domain: string) => `${domain}/parley-keys`;

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): a signed note
 * whose text is the origin, the tree size in decimal and the base64 root
 * hash, one a line. The log's key is named after its origin.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** Opaque extension lines (none in Parley's checkpoints). */
  extensions: string[];
}

/** The note text of a checkpoint. */
export function checkpointText(checkpoint: Omit<Checkpoint, 'extensions'> & { extensions?: string[] }): string {
  const lines = [checkpoint.origin, String(checkpoint.size), checkpoint.rootHash.toString('base64'), ...(checkpoint.extensions ?? [])];
  return `${lines.join('\n')}\n`;
}

/** A checkpoint signed by the log's Ed25519 key, whose key name is the origin. */
export function signCheckpoint(checkpoint: Omit<Checkpoint, 'extensions'>, privateKey: KeyObject): string {
  return signNote(checkpointText(checkpoint), checkpoint.origin, privateKey);
}

/** Parses a checkpoint's note text strictly: non-empty origin, size without leading zeros, a 32-byte root, non-empty extension lines. */
export function parseCheckpointText(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new TransparencyError('a checkpoint text ends in a newline');
  const [origin, sizeText, rootText, ...extensions] = text.slice(0, -1).split('\n');
  if (rootText === undefined) throw new TransparencyError('a checkpoint has an origin, a size and a root hash');
  if (origin.length === 0) throw new TransparencyError('the checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new TransparencyError('the checkpoint size is not a decimal number without leading zeros');
  }
  const rootHash = strictBase64(rootText, 'checkpoint root hash');
  if (rootHash.length !== HASH_SIZE) throw new TransparencyError('the checkpoint root hash is not 32 bytes');
  if (extensions.some((line) => line.length === 0)) throw new TransparencyError('a checkpoint extension line is empty');
  return { origin, size: Number(sizeText), rootHash, extensions };
}

/** A checkpoint's fields and signatures read without verifying anything (for evidence and gossip, never for trust). */
export function parseCheckpoint(message: string | Uint8Array): Checkpoint & { signatures: NoteSignature[] } {
  const note = parseNote(message);
  return { ...parseCheckpointText(note.text), signatures: note.signatures };
}

/**
 * Verifies a checkpoint of the log `origin` signed by `logKey` (its key
 * name must be the origin) and returns it; throws TransparencyError when
 * the note is malformed, the log's signature is missing or bad, or the
 * checkpoint names another origin. Other signatures (witness cosignatures)
 * are returned unverified.
 */
export function verifyCheckpoint(
  message: string | Uint8Array,
  origin: string,
  logKey: NoteVerifier,
): Checkpoint & { cosignatures: NoteSignature[] } {
  if (logKey.name !== origin) throw new TransparencyError(`the log key is named ${logKey.name}, not after the origin ${origin}`);
  const note = openNote(message, [logKey]);
  const checkpoint = parseCheckpointText(note.text);
  if (checkpoint.origin !== origin) throw new TransparencyError(`the checkpoint is of ${checkpoint.origin}, not ${origin}`);
  return { ...checkpoint, cosignatures: note.unverified };
}
