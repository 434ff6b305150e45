import { CiphertextMessageType, ProtocolAddress } from '@signalapp/libsignal-client';
import { decryptMessage, encryptMessage, MemoryProtocolStore, startSession } from '@parley/crypto';
import type { PreKeyBundleResponse } from '@parley/protocol';
import { api, newDevice, newUser } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

const text = (s: string) => new Uint8Array(Buffer.from(s));
const read = (bytes: Uint8Array) => Buffer.from(bytes).toString();

/**
 * PQXDH and the Double Ratchet over bundles that the server handed out:
 * proves the stored keys, signatures and one-time keys come back intact and
 * usable. Ciphertexts are passed in memory (the messages API is not needed).
 */
describe('a real libsignal session through bundles fetched from the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('establishes PQXDH sessions with every device of an account and ratchets both ways', async () => {
    const alice = await newUser(server, { oneTimeKeys: 2 });
    const bob = await newUser(server, { oneTimeKeys: 2 });
    const bobPhone = await newDevice(server, bob.account, { oneTimeKeys: 2 });
    const aliceStore = new MemoryProtocolStore(alice.keys);
    const aliceAddress = ProtocolAddress.new(alice.username, alice.deviceId);

    const fetched = await api<PreKeyBundleResponse>(server, 'GET', `/v1/keys/${bob.username}`, undefined, { token: alice.token });
    expect(fetched.status).toBe(200);
    expect(fetched.body.devices).toHaveLength(2);

    for (const [device, bundle] of [
      [bob, fetched.body.devices[0]],
      [bobPhone, fetched.body.devices[1]],
    ] as const) {
      expect(bundle.preKey).not.toBeNull();
      const bobStore = new MemoryProtocolStore(device.keys);
      const bobAddress = ProtocolAddress.new(bob.username, device.deviceId);
      await startSession(aliceStore, aliceAddress, bobAddress, bundle);

      const first = await encryptMessage(
        aliceStore,
        aliceAddress,
        bobAddress,
        text(`hello device ${device.deviceId}`),
        bundle.registrationId,
      );
      expect(first.type).toBe(CiphertextMessageType.PreKey);
      expect(read(await decryptMessage(bobStore, bobAddress, aliceAddress, first.type, first.content))).toBe(
        `hello device ${device.deviceId}`,
      );
      // Bob's device used (and dropped) exactly the one-time keys the server handed out.
      expect(bobStore.preKeys.records.has(bundle.preKey!.keyId)).toBe(false);
      expect(bobStore.kyberPreKeys.records.has(bundle.pqPreKey.keyId)).toBe(false);

      const reply = await encryptMessage(bobStore, bobAddress, aliceAddress, text('hi alice'), alice.keys.registrationId);
      expect(reply.type).toBe(CiphertextMessageType.Whisper);
      expect(read(await decryptMessage(aliceStore, aliceAddress, bobAddress, reply.type, reply.content))).toBe('hi alice');
      for (let i = 0; i < 3; i++) {
        const m = await encryptMessage(aliceStore, aliceAddress, bobAddress, text(`m${i}`), bundle.registrationId);
        expect(m.type).toBe(CiphertextMessageType.Whisper);
        expect(read(await decryptMessage(bobStore, bobAddress, aliceAddress, m.type, m.content))).toBe(`m${i}`);
      }
    }
  });

  it('still works once the one-time keys are gone: no preKey, and the last-resort Kyber key', async () => {
    const alice = await newUser(server, { oneTimeKeys: 0 });
    const bob = await newUser(server, { oneTimeKeys: 0 });
    const aliceStore = new MemoryProtocolStore(alice.keys);
    const bobStore = new MemoryProtocolStore(bob.keys);
    const aliceAddress = ProtocolAddress.new(alice.username, 1);
    const bobAddress = ProtocolAddress.new(bob.username, 1);

    const [bundle] = (await api<PreKeyBundleResponse>(server, 'GET', `/v1/keys/${bob.username}/1`, undefined, { token: alice.token })).body
      .devices;
    expect(bundle.preKey).toBeNull();
    expect(bundle.pqPreKey.keyId).toBe(bob.keys.pqLastResortPreKey.id());
    await startSession(aliceStore, aliceAddress, bobAddress, bundle);
    const first = await encryptMessage(aliceStore, aliceAddress, bobAddress, text('last resort'), bundle.registrationId);
    expect(read(await decryptMessage(bobStore, bobAddress, aliceAddress, first.type, first.content))).toBe('last resort');
    // The last-resort key is kept for the next sender.
    expect(bobStore.kyberPreKeys.records.has(bundle.pqPreKey.keyId)).toBe(true);
  });
});
