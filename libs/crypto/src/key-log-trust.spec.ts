import type { ListInclusion, SignedDeviceList } from '@parley/protocol';
import {
  cosignCheckpoint,
  encodeKeyLeaf,
  formatSignatureLine,
  keyLeafFor,
  parseCosignerVerifierKey,
  cosignerVerifierKey,
  rawPublicKey,
  signKeyRotation,
} from '@parley/transparency';
import { generateKeyPairSync } from 'node:crypto';
import { MemoryLog } from '@parley/transparency/memory-log';
import { generateAccountIdentity, KeyLogSource, KeyLogTrust, MemoryKeyLogStore, signDeviceList, toBase64 } from '.';
import { IdentityKeyPair } from '@signalapp/libsignal-client';

const ORIGIN = 'a.example/parley-keys';
const bob = generateAccountIdentity();
const device = (deviceId: number) => ({
  deviceId,
  registrationId: 100 + deviceId,
  identityKey: toBase64(IdentityKeyPair.generate().publicKey.serialize()),
});
const list = (version: number, address = 'bob@a.example'): SignedDeviceList =>
  signDeviceList(bob, { address, version, timestamp: 1_700_000_000_000 + version, devices: [device(1)] });

/** A log with some other leaves, then bob's list; what a bundle carries for it. */
async function logWith(log: MemoryLog, served: SignedDeviceList): Promise<ListInclusion> {
  log.append(Buffer.from('someone else'), Buffer.from('and another'));
  const leaf = encodeKeyLeaf(keyLeafFor(served, null));
  const leafIndex = log.append(leaf);
  return { leafIndex, leaf: leaf.toString('base64'), checkpoint: log.checkpoint(), inclusionProof: await log.inclusion(leafIndex) };
}

/** The home server's routes, answered from `log` (or whatever a test substitutes). */
function sourceOf(log: MemoryLog): KeyLogSource & { consistencyCalls: number } {
  const source = {
    consistencyCalls: 0,
    checkpoint: async () => ({ checkpoint: log.checkpoint(), verifierKey: log.verifierKey }),
    consistency: async (from: number, to: number) => {
      source.consistencyCalls++;
      return { from, to, proof: await log.consistency(from, to) };
    },
  };
  return source;
}

describe('KeyLogTrust', () => {
  let log: MemoryLog;
  let store: MemoryKeyLogStore;
  let trust: KeyLogTrust;
  let source: ReturnType<typeof sourceOf>;
  /** b.example's log as the home server relays it (GET /v1/transparency/logs/b.example/…). */
  let peerLog: MemoryLog;
  let peerSource: KeyLogSource;
  const v1 = list(1);
  const carol = signDeviceList(bob, { address: 'carol@b.example', version: 1, timestamp: 1, devices: [device(1)] });
  const logs = (home: KeyLogSource) => (domain: string) => (domain === 'a.example' ? home : peerSource);

  beforeEach(() => {
    log = new MemoryLog(ORIGIN);
    store = new MemoryKeyLogStore();
    source = sourceOf(log);
    peerLog = new MemoryLog('b.example/parley-keys');
    peerSource = sourceOf(peerLog);
    trust = new KeyLogTrust(store, 'a.example', logs(source));
  });

  it('accepts a proven list, pinning the log key and keeping the checkpoint', async () => {
    const inclusion = await logWith(log, v1);
    await trust.checkList(v1, inclusion);
    expect(await store.get(ORIGIN)).toEqual({ origin: ORIGIN, verifierKey: log.verifierKey, checkpoint: inclusion.checkpoint });
  });

  it.each([
    ['no proof at all', () => null, 'missing_proof'],
    [
      'a leaf of another list',
      (i: ListInclusion) => ({ ...i, leaf: encodeKeyLeaf(keyLeafFor(list(2), null)).toString('base64') }),
      'bad_proof',
    ],
    ['a proof for another leaf', (i: ListInclusion) => ({ ...i, leafIndex: 0 }), 'bad_proof'],
    ['a proof that was cut short', (i: ListInclusion) => ({ ...i, inclusionProof: i.inclusionProof.slice(1) }), 'bad_proof'],
    ['bytes that are not a leaf', (i: ListInclusion) => ({ ...i, leaf: Buffer.from('x').toString('base64') }), 'bad_proof'],
    [
      'a checkpoint signed by another key',
      (i: ListInclusion) => ({ ...i, checkpoint: new MemoryLog(ORIGIN).checkpoint() }),
      'bad_checkpoint',
    ],
  ])('refuses %s', async (_name, forge, reason) => {
    const inclusion = await logWith(log, v1);
    await trust.latest(); // pins the real key first
    await expect(trust.checkList(v1, forge(inclusion))).rejects.toMatchObject({ name: 'KeyLogError', reason });
  });

  it('never takes a new log key from a later answer', async () => {
    const inclusion = await logWith(log, v1);
    await trust.checkList(v1, inclusion);
    const impostor = new MemoryLog(ORIGIN);
    const forged = await logWith(impostor, v1);
    trust = new KeyLogTrust(store, 'a.example', logs(sourceOf(impostor)));
    await expect(trust.checkList(v1, forged)).rejects.toMatchObject({ reason: 'bad_checkpoint' });
    expect((await store.get(ORIGIN))?.verifierKey).toBe(log.verifierKey);
  });

  describe('after the server rotated its key (docs/FEDERATION.md, "Rotating this server\'s key")', () => {
    /** The same log's leaves under the server's next key, serving `keyRotations`. */
    function rotatedLog(keyRotations: (next: MemoryLog) => string[]) {
      const next = new MemoryLog(ORIGIN);
      next.append(...log.leaves);
      const rotated = sourceOf(next);
      const withRotations = { ...rotated, checkpoint: async () => ({ ...(await rotated.checkpoint()), keyRotations: keyRotations(next) }) };
      return { next, trust: new KeyLogTrust(store, 'a.example', logs(withRotations)) };
    }

    it('follows a rotation signed by the pinned key, pinning the new key', async () => {
      await trust.checkList(v1, await logWith(log, v1));
      const { next, trust: rotated } = rotatedLog((n) => [signKeyRotation({ domain: 'a.example', time: 5000 }, log.key, n.key)]);
      const v2 = list(2);
      await rotated.checkList(v2, await logWith(next, v2));
      expect(await store.get(ORIGIN)).toMatchObject({ verifierKey: next.verifierKey, keyRotatedAt: 5000 });
    });

    it.each([
      ['no rotation at all', () => []],
      [
        'a rotation signed by another key than the pinned one',
        (n: MemoryLog) => [signKeyRotation({ domain: 'a.example', time: 5000 }, new MemoryLog(ORIGIN).key, n.key)],
      ],
      ['a rotation of another domain', (n: MemoryLog) => [signKeyRotation({ domain: 'b.example', time: 5000 }, log.key, n.key)]],
    ])('refuses a new key with %s, and keeps the pinned one', async (_name, keyRotations) => {
      await trust.checkList(v1, await logWith(log, v1));
      const { next, trust: rotated } = rotatedLog(keyRotations);
      const v2 = list(2);
      await expect(rotated.checkList(v2, await logWith(next, v2))).rejects.toMatchObject({ reason: 'bad_checkpoint' });
      expect((await store.get(ORIGIN))?.verifierKey).toBe(log.verifierKey);
    });
  });

  it('checks that a bigger checkpoint extends the newest seen, and keeps it', async () => {
    await trust.checkList(v1, await logWith(log, v1));
    const v2 = list(2);
    const next = await logWith(log, v2);
    await trust.checkList(v2, next);
    expect(source.consistencyCalls).toBe(1);
    expect((await store.get(ORIGIN))?.checkpoint).toBe(next.checkpoint);
  });

  it('accepts an older checkpoint that is a prefix of the newest seen (another server process), keeping the newest', async () => {
    const old = await logWith(log, v1);
    const v2 = list(2);
    await trust.checkList(v2, await logWith(log, v2));
    const newest = (await store.get(ORIGIN))?.checkpoint;
    await trust.checkList(v1, old);
    expect((await store.get(ORIGIN))?.checkpoint).toBe(newest);
  });

  /** A log signed with the real log's key whose history starts with `first` instead of the real first leaf. */
  const forkOf = (first: string) => {
    const fork = new MemoryLog(ORIGIN, log.key);
    fork.append(Buffer.from(first));
    return fork;
  };
  const inclusionIn = async (target: MemoryLog, served: SignedDeviceList): Promise<ListInclusion> => {
    const leaf = encodeKeyLeaf(keyLeafFor(served, null));
    const leafIndex = target.append(leaf);
    return { leafIndex, leaf: leaf.toString('base64'), checkpoint: target.checkpoint(), inclusionProof: await target.inclusion(leafIndex) };
  };

  it('reports a fork: a second root for a tree size already seen', async () => {
    await trust.checkList(v1, await logWith(log, v1));
    const fork = forkOf('rewritten');
    fork.append(Buffer.from('and another'));
    await expect(trust.checkList(v1, await inclusionIn(fork, v1))).rejects.toMatchObject({
      reason: 'log_fork',
      message: expect.stringMatching(/two checkpoints of size 3 with different roots/),
    });
  });

  it('reports a rollback: an older checkpoint whose tree is not a prefix of the newest seen', async () => {
    await trust.checkList(v1, await logWith(log, v1));
    const v2 = list(2);
    await trust.checkList(v2, await logWith(log, v2));
    const rewritten = await inclusionIn(forkOf('rewritten'), v1);
    await expect(trust.checkList(v1, rewritten)).rejects.toMatchObject({
      reason: 'log_fork',
      message: expect.stringMatching(/an older checkpoint is not a prefix of the one of size 6/),
    });
  });

  it('reports a newer checkpoint that does not extend the newest seen, whatever proof the server makes up', async () => {
    await trust.checkList(v1, await logWith(log, v1));
    const fork = forkOf('rewritten');
    fork.append(Buffer.from('x'), Buffer.from('y'), Buffer.from('z'));
    trust = new KeyLogTrust(store, 'a.example', logs(sourceOf(fork)));
    const v2 = list(2);
    await expect(trust.checkList(v2, await inclusionIn(fork, v2))).rejects.toMatchObject({
      reason: 'log_fork',
      message: expect.stringMatching(/the newer checkpoint does not extend the one of size 3/),
    });
    expect((await store.get(ORIGIN))?.checkpoint).toBe(log.checkpoint());
  });

  it('checks a remote list against its own log, pinning the peer log key the home server relays', async () => {
    const inclusion = await inclusionIn(peerLog, carol);
    await trust.checkList(carol, inclusion);
    expect(await store.get('b.example/parley-keys')).toEqual({
      origin: 'b.example/parley-keys',
      verifierKey: peerLog.verifierKey,
      checkpoint: inclusion.checkpoint,
    });
    await expect(trust.checkList(carol, { ...inclusion, leafIndex: 1 })).rejects.toMatchObject({ reason: 'bad_proof' });
    const mislabelled = await inclusionIn(new MemoryLog('c.example/parley-keys'), carol);
    await expect(trust.checkList(carol, mislabelled)).rejects.toMatchObject({ reason: 'bad_checkpoint' });
  });

  it('refuses a remote checkpoint not signed by the peer log key (a peer, or a path to it, making up a tree)', async () => {
    await trust.checkList(carol, await inclusionIn(peerLog, carol));
    const impostor = new MemoryLog('b.example/parley-keys');
    await expect(trust.checkList(carol, await inclusionIn(impostor, carol))).rejects.toMatchObject({ reason: 'bad_checkpoint' });
  });

  it('reports a fork of a peer log: another root for a size already seen', async () => {
    peerLog.append(Buffer.from('a leaf everyone is shown'));
    await trust.checkList(carol, await inclusionIn(peerLog, carol));
    const fork = new MemoryLog('b.example/parley-keys', peerLog.key);
    fork.append(Buffer.from('a leaf only this client is shown'));
    const forked = await inclusionIn(fork, carol);
    expect(fork.size).toBe(peerLog.size);
    await expect(trust.checkList(carol, forked)).rejects.toMatchObject({
      reason: 'log_fork',
      message: expect.stringMatching(/b\.example/),
    });
  });
});

describe('KeyLogTrust with required witnesses', () => {
  const witnessKey = generateKeyPairSync('ed25519').privateKey;
  const witness = parseCosignerVerifierKey(cosignerVerifierKey('w.example/parley-witness', rawPublicKey(witnessKey)));
  const stranger = generateKeyPairSync('ed25519').privateKey;
  const v1 = list(1);
  let log: MemoryLog;
  let store: MemoryKeyLogStore;
  let witnessed: string | undefined;
  let trust: KeyLogTrust;

  /** The log's newest checkpoint with `by`'s cosignature line appended, as the server serves `witnessed`. */
  const cosigned = (by = witnessKey, name = 'w.example/parley-witness') => {
    const checkpoint = log.checkpoint();
    return checkpoint + formatSignatureLine(cosignCheckpoint(checkpoint, name, by, 1_700_000_000));
  };

  beforeEach(() => {
    log = new MemoryLog(ORIGIN);
    store = new MemoryKeyLogStore();
    witnessed = undefined;
    const source = sourceOf(log);
    const witnessedSource = { ...source, checkpoint: async () => ({ ...(await source.checkpoint()), witnessed }) };
    trust = new KeyLogTrust(store, 'a.example', () => witnessedSource, [witness]);
  });

  it('accepts a list once a checkpoint holding it is cosigned by a required witness, and remembers that size', async () => {
    const inclusion = await logWith(log, v1);
    witnessed = cosigned();
    await trust.checkList(v1, inclusion);
    expect((await store.get(ORIGIN))?.witnessedSize).toBe(log.size);
  });

  it.each([
    ['no checkpoint is witnessed', () => undefined, /no checkpoint of the log has been cosigned/],
    ['only another key cosigned it', () => cosigned(stranger), /no valid cosignature by w.example\/parley-witness/],
    ['another witness name cosigned it', () => cosigned(witnessKey, 'x.example/parley-witness'), /no valid cosignature/],
  ])('refuses as not_witnessed when %s', async (_name, serve, message) => {
    const inclusion = await logWith(log, v1);
    witnessed = serve();
    await expect(trust.checkList(v1, inclusion)).rejects.toMatchObject({
      reason: 'not_witnessed',
      message: expect.stringMatching(message),
    });
  });

  it('refuses as not_witnessed a list newer than the newest witnessed checkpoint', async () => {
    log.append(Buffer.from('before'));
    witnessed = cosigned();
    const inclusion = await logWith(log, v1);
    await expect(trust.checkList(v1, inclusion)).rejects.toMatchObject({ reason: 'not_witnessed', message: /predates it/ });
  });

  it('reports a fork when the witnessed checkpoint is not the tree the list was proven in', async () => {
    const inclusion = await logWith(log, v1);
    const fork = new MemoryLog(ORIGIN, log.key);
    fork.append(Buffer.from('a history the witness saw'), Buffer.from('instead'), Buffer.from('of this one'));
    const checkpoint = fork.checkpoint();
    witnessed = checkpoint + formatSignatureLine(cosignCheckpoint(checkpoint, 'w.example/parley-witness', witnessKey, 1_700_000_000));
    await expect(trust.checkList(v1, inclusion)).rejects.toMatchObject({ reason: 'log_fork' });
  });
});
