import type { KeyObject } from 'node:crypto';
import { TransparencyError } from './errors';
import { ed25519KeyId, formatNote, openNote, parseNote, publicKeyFromRaw, rawPublicKey, signNote, strictBase64 } from './signed-note';

/**
 * Server key rotation statements (docs/FEDERATION.md, "Rotating a server
 * key"): a C2SP signed note (https://c2sp.org/signed-note) saying that
 * from `time` on the server of `domain` signs with `next` instead of
 * `previous`, signed by both keys. The previous key's signature is the
 * authority (the key peers pinned vouches for its successor); the next
 * key's proves that whoever made the statement holds it, so nobody can
 * rotate a server onto a key it does not control (someone else's). Like
 * Matrix's `old_verify_keys`, but each link is signed by the key it
 * replaces, so a peer can walk from whatever key it pinned to the newest.
 *
 * Text, one field a line, ending in a newline:
 *   parley-server-key-rotation/v1
 *   <domain>
 *   previous <base64 of the 32 raw bytes>
 *   next <base64 of the 32 raw bytes>
 *   time <milliseconds since the epoch, decimal>
 * Both signature lines carry the key name `<domain>/parley-server-key`.
 * The first line is unlike a checkpoint's (`<domain>/parley-keys`), a
 * cosignature's or a federation request's, so one key signing all of
 * them cannot have one message passed off as another.
 */

const HEADER = 'parley-server-key-rotation/v1';

/** The signed-note key name of a server's federation key in rotation statements. */
export const serverKeyNameOf = (domain: string) => `${domain}/parley-server-key`;

export interface KeyRotation {
  domain: string;
  /** Base64 of the 32 raw bytes of the key being replaced. */
  previous: string;
  /** Base64 of the 32 raw bytes of its successor. */
  next: string;
  /** When the successor takes over, in ms since the epoch. */
  time: number;
}

export function keyRotationText(rotation: KeyRotation): string {
  return [HEADER, rotation.domain, `previous ${rotation.previous}`, `next ${rotation.next}`, `time ${rotation.time}`, ''].join('\n');
}

/** The statement, signed by the key it replaces and by its successor. */
export function signKeyRotation(rotation: Omit<KeyRotation, 'previous' | 'next'>, previousKey: KeyObject, nextKey: KeyObject): string {
  const text = keyRotationText({
    ...rotation,
    previous: rawPublicKey(previousKey).toString('base64'),
    next: rawPublicKey(nextKey).toString('base64'),
  });
  const name = serverKeyNameOf(rotation.domain);
  const signatures = [previousKey, nextKey].flatMap((key) => parseNote(signNote(text, name, key)).signatures);
  return formatNote({ text, signatures });
}

/** The statement's fields, checking the signatures of both its keys; throws TransparencyError. */
export function verifyKeyRotation(note: string, domain: string): KeyRotation {
  const rotation = parseKeyRotationText(parseNote(note).text);
  if (rotation.domain !== domain) throw new TransparencyError(`a key rotation of ${rotation.domain}, not ${domain}`);
  if (rotation.previous === rotation.next) throw new TransparencyError('a key rotation to the same key');
  const name = serverKeyNameOf(domain);
  for (const [role, key] of [
    ['previous', rotation.previous],
    ['next', rotation.next],
  ] as const) {
    const raw = Buffer.from(key, 'base64');
    const verifier = { name, keyId: ed25519KeyId(name, raw), publicKey: publicKeyFromRaw(raw) };
    // openNote refuses a note without a good signature by this key; the other key's line is unknown to it, and skipped.
    attempt(() => openNote(note, [verifier]), `the rotation is not signed by its ${role} key`);
  }
  return rotation;
}

/** Where a peer's key stands after following rotations: the key and the time of the statement that made it current (0: none). */
export interface FollowedKey {
  key: string;
  since: number;
}

/**
 * Follows a server's published rotation statements (oldest first) from
 * the key a peer pinned to the key the server publishes now, link by
 * link: the first link used replaces `pinned.key` and is newer than
 * `pinned.since` (a statement already followed, or older, is a replay);
 * each next link replaces the key the previous one introduced, is newer,
 * and introduces a key not seen on the way; every link is signed by both
 * of its keys and names `domain`; the last one introduces `published`.
 * Statements before the first link are ignored (history the peer has
 * already followed). Throws TransparencyError naming the failed check.
 */
export function followKeyRotations(domain: string, pinned: FollowedKey, statements: readonly string[], published: string): FollowedKey {
  if (published === pinned.key) return pinned;
  const rotations = statements.map((note) => verifyKeyRotation(note, domain));
  const start = rotations.findIndex((r) => r.previous === pinned.key && r.time > pinned.since);
  if (start < 0) throw new TransparencyError(`no rotation from the pinned key ${pinned.key}`);
  const seen = new Set([pinned.key]);
  let current = pinned;
  for (const rotation of rotations.slice(start)) {
    if (rotation.previous !== current.key)
      throw new TransparencyError(`a rotation from ${rotation.previous} does not follow ${current.key}`);
    if (rotation.time <= current.since) throw new TransparencyError(`the rotation to ${rotation.next} is not newer than the one before`);
    if (seen.has(rotation.next)) throw new TransparencyError(`the rotation to ${rotation.next} returns to a key already replaced`);
    seen.add(rotation.next);
    current = { key: rotation.next, since: rotation.time };
  }
  if (current.key !== published) throw new TransparencyError(`the rotations end at ${current.key}, not at the published key ${published}`);
  return current;
}

function parseKeyRotationText(text: string): KeyRotation {
  const lines = text.split('\n');
  const [header, domain, previous, next, time, end] = lines;
  if (lines.length !== 6 || header !== HEADER || end !== '' || !domain) throw new TransparencyError('not a key rotation statement');
  const field = (line: string, label: string) => {
    if (!line.startsWith(`${label} `)) throw new TransparencyError(`a key rotation has no ${label} line`);
    return line.slice(label.length + 1);
  };
  const key = (value: string, label: string) => {
    if (strictBase64(value, `${label} key`).length !== 32) throw new TransparencyError(`the ${label} key is not 32 bytes`);
    return value;
  };
  const timeText = field(time, 'time');
  if (!/^[1-9][0-9]{0,15}$/.test(timeText)) throw new TransparencyError('the rotation time is not a decimal number');
  return {
    domain,
    previous: key(field(previous, 'previous'), 'previous'),
    next: key(field(next, 'next'), 'next'),
    time: Number(timeText),
  };
}

function attempt<T>(work: () => T, message: string): T {
  try {
    return work();
  } catch (error) {
    throw new TransparencyError(`${message}: ${(error as Error).message}`);
  }
}
