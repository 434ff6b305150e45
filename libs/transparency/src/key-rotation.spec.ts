import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { followKeyRotations, keyRotationText, serverKeyNameOf, signKeyRotation, verifyKeyRotation } from './key-rotation';
import { formatNote, parseNote, rawPublicKey, signNote } from './signed-note';

const DOMAIN = 'b.example';
const newKey = () => generateKeyPairSync('ed25519').privateKey;
const raw = (key: KeyObject) => rawPublicKey(key).toString('base64');

/** Keys k0 → k1 → k2, rotated at times 1000 and 2000. */
const [k0, k1, k2] = [newKey(), newKey(), newKey()];
const r1 = signKeyRotation({ domain: DOMAIN, time: 1000 }, k0, k1);
const r2 = signKeyRotation({ domain: DOMAIN, time: 2000 }, k1, k2);
const pinnedOn = (key: KeyObject, since = 0) => ({ key: raw(key), since });

/** A note with the text of `rotation`, signed by the given keys (whatever the text says they are). */
function signedBy(text: string, ...keys: KeyObject[]): string {
  const signatures = keys.flatMap((key) => parseNote(signNote(text, serverKeyNameOf(DOMAIN), key)).signatures);
  return formatNote({ text, signatures });
}

describe('server key rotation statements', () => {
  it('verifies a statement signed by both keys and reads its fields', () => {
    expect(verifyKeyRotation(r1, DOMAIN)).toEqual({ domain: DOMAIN, previous: raw(k0), next: raw(k1), time: 1000 });
    expect(r1.startsWith(`parley-server-key-rotation/v1\n${DOMAIN}\nprevious ${raw(k0)}\nnext ${raw(k1)}\ntime 1000\n\n`)).toBe(true);
  });

  it.each([
    ['for another domain', () => verifyKeyRotation(signKeyRotation({ domain: 'c.example', time: 1000 }, k0, k1), DOMAIN), /of c\.example/],
    ['signed only by the next key', () => verifyKeyRotation(signedBy(textOf(k0, k1), k1), DOMAIN), /not signed by its previous key/],
    ['signed only by the previous key', () => verifyKeyRotation(signedBy(textOf(k0, k1), k0), DOMAIN), /not signed by its next key/],
    ['a forged link: k0 to k1, signed by k2 and k1', () => verifyKeyRotation(signedBy(textOf(k0, k1), k2, k1), DOMAIN), /previous key/],
    ['altered after signing', () => verifyKeyRotation(r1.replace('time 1000', 'time 1001'), DOMAIN), /not signed/],
    ['to the same key', () => verifyKeyRotation(signedBy(textOf(k0, k0), k0), DOMAIN), /same key/],
    ['not a statement', () => verifyKeyRotation(signedBy('b.example/parley-keys\n1\nAA==\n', k0), DOMAIN), /not a key rotation/],
  ])('refuses a statement %s', (_name, check, message) => {
    expect(check).toThrow(message);
  });
});

describe('followKeyRotations', () => {
  it('follows the chain link by link from the pinned key to the published one, skipping history already followed', () => {
    expect(followKeyRotations(DOMAIN, pinnedOn(k0), [r1, r2], raw(k2))).toEqual({ key: raw(k2), since: 2000 });
    expect(followKeyRotations(DOMAIN, pinnedOn(k1, 1000), [r1, r2], raw(k2))).toEqual({ key: raw(k2), since: 2000 });
    expect(followKeyRotations(DOMAIN, pinnedOn(k2, 2000), [r1, r2], raw(k2))).toEqual({ key: raw(k2), since: 2000 });
  });

  it.each([
    ['no chain at all (a new key, unannounced)', pinnedOn(k0), [], raw(k2), /no rotation from the pinned key/],
    ['a chain that does not start at the pinned key', pinnedOn(k0), [r2], raw(k2), /no rotation from the pinned key/],
    ['a chain with a gap', pinnedOn(k0), [r1, signKeyRotation({ domain: DOMAIN, time: 3000 }, k2, newKey())], raw(k2), /does not follow/],
    ['a chain that ends elsewhere than the published key', pinnedOn(k0), [r1], raw(k2), /not at the published key/],
    [
      'a replayed old statement: the one already followed, offered again',
      pinnedOn(k1, 1000),
      [r1],
      raw(k2),
      /no rotation from the pinned key/,
    ],
    [
      'a statement from the pinned key dated before it was pinned',
      pinnedOn(k1, 1000),
      [signKeyRotation({ domain: DOMAIN, time: 900 }, k1, k2)],
      raw(k2),
      /no rotation from the pinned key/,
    ],
    [
      'a link older than the one before it',
      pinnedOn(k0),
      [r1, signKeyRotation({ domain: DOMAIN, time: 500 }, k1, k2)],
      raw(k2),
      /not newer/,
    ],
    [
      'a chain back to a key it replaced',
      pinnedOn(k0),
      [r1, r2, signKeyRotation({ domain: DOMAIN, time: 3000 }, k2, k1)],
      raw(k1),
      /already replaced/,
    ],
    ['a link for another domain', pinnedOn(k0), [signKeyRotation({ domain: 'c.example', time: 1000 }, k0, k1)], raw(k1), /of c\.example/],
    ['a forged link (not signed by the key it replaces)', pinnedOn(k0), [signedBy(textOf(k0, k1), newKey(), k1)], raw(k1), /previous key/],
  ])('refuses %s', (_name, pinned, statements, published, message) => {
    expect(() => followKeyRotations(DOMAIN, pinned, statements, published)).toThrow(message);
  });
});

function textOf(previous: KeyObject, next: KeyObject, time = 1000): string {
  return keyRotationText({ domain: DOMAIN, previous: raw(previous), next: raw(next), time });
}
