import { CiphertextMessageType, ProtocolAddress } from '@signalapp/libsignal-client';
import { bundleFor, decryptMessage, encryptMessage, generateDeviceKeys, MemoryProtocolStore, startSession } from '.';

const text = (s: string) => new Uint8Array(Buffer.from(s));

describe('PQXDH then Double Ratchet with real libsignal', () => {
  it('establishes a session and ratchets both ways', async () => {
    const aliceKeys = generateDeviceKeys(2);
    const bobKeys = generateDeviceKeys(2);
    const alice = new MemoryProtocolStore(aliceKeys);
    const bob = new MemoryProtocolStore(bobKeys);
    const aliceAddr = ProtocolAddress.new('alice', 1);
    const bobAddr = ProtocolAddress.new('bob', 1);

    await startSession(alice, aliceAddr, bobAddr, bundleFor(bobKeys, 1));
    const first = await encryptMessage(alice, aliceAddr, bobAddr, text('hello bob'), bobKeys.registrationId);
    expect(first.type).toBe(CiphertextMessageType.PreKey);
    expect(Buffer.from(await decryptMessage(bob, bobAddr, aliceAddr, first.type, first.content)).toString()).toBe('hello bob');
    // The one-time keys were consumed on Bob's side.
    expect(bob.preKeys.records.has(bobKeys.preKeys[0].id())).toBe(false);
    expect(bob.kyberPreKeys.records.has(bobKeys.pqPreKeys[0].id())).toBe(false);

    const reply = await encryptMessage(bob, bobAddr, aliceAddr, text('hi alice'), aliceKeys.registrationId);
    expect(reply.type).toBe(CiphertextMessageType.Whisper);
    expect(Buffer.from(await decryptMessage(alice, aliceAddr, bobAddr, reply.type, reply.content)).toString()).toBe('hi alice');

    for (let i = 0; i < 3; i++) {
      const m = await encryptMessage(alice, aliceAddr, bobAddr, text(`m${i}`), bobKeys.registrationId);
      expect(m.type).toBe(CiphertextMessageType.Whisper);
      expect(Buffer.from(await decryptMessage(bob, bobAddr, aliceAddr, m.type, m.content)).toString()).toBe(`m${i}`);
    }
  });
});
