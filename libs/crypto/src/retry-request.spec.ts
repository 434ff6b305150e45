import { ProtocolAddress } from '@signalapp/libsignal-client';
import {
  archiveSession,
  bundleFor,
  decodeRetryRequest,
  decryptMessage,
  encodeRetryRequest,
  encryptMessage,
  generateDeviceKeys,
  MemoryProtocolStore,
  startSession,
} from '.';

const text = (s: string) => new Uint8Array(Buffer.from(s));

describe('retry requests and archived sessions, with real libsignal', () => {
  const aliceAddr = ProtocolAddress.new('alice', 1);
  const bobAddr = ProtocolAddress.new('bob', 2);

  async function pair() {
    const bobKeys = generateDeviceKeys(2);
    const alice = new MemoryProtocolStore(generateDeviceKeys(2));
    const bob = new MemoryProtocolStore(bobKeys);
    await startSession(alice, aliceAddr, bobAddr, bundleFor(bobKeys, 2));
    return { alice, bob, bobKeys };
  }

  it('carries the original timestamp and sender device through a Plaintext retry request', async () => {
    const { alice, bobKeys } = await pair();
    const original = await encryptMessage(alice, aliceAddr, bobAddr, text('lost'), bobKeys.registrationId);
    const content = encodeRetryRequest({ ...original, timestamp: 1_700_000_000_123, sourceDeviceId: 1 });
    expect(decodeRetryRequest(content)).toEqual({ timestamp: 1_700_000_000_123, originalSenderDeviceId: 1 });
    expect(() => decodeRetryRequest(original.content)).toThrow();
  });

  it('stops counting an archived session as current, yet still decrypts a late message sent over it', async () => {
    const { alice, bob, bobKeys } = await pair();
    const late = await encryptMessage(alice, aliceAddr, bobAddr, text('sent before the archive'), bobKeys.registrationId);
    const first = await encryptMessage(alice, aliceAddr, bobAddr, text('first'), bobKeys.registrationId);
    await decryptMessage(bob, bobAddr, aliceAddr, first.type, first.content);
    expect(bob.sessions.currentDeviceIds('alice')).toEqual([1]);

    await archiveSession(bob.sessions, aliceAddr);
    expect(bob.sessions.currentDeviceIds('alice')).toEqual([]);
    expect(bob.sessions.deviceIds('alice')).toEqual([1]);
    expect(Buffer.from(await decryptMessage(bob, bobAddr, aliceAddr, late.type, late.content)).toString()).toBe('sent before the archive');
  });
});
