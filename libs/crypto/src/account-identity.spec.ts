import { IdentityKeyPair, PrivateKey } from '@signalapp/libsignal-client';
import type { SignedDeviceList } from '@parley/protocol';
import {
  accountSafetyNumber,
  generateAccountIdentity,
  openProvisioningMessage,
  ProvisioningError,
  ProvisioningMessage,
  sealProvisioningMessage,
  signDeviceList,
  toBase64,
  verifyDeviceListSignature,
} from '.';

const deviceKey = () => toBase64(IdentityKeyPair.generate().publicKey.serialize());
const account = generateAccountIdentity();
const devices = [
  { deviceId: 3, registrationId: 300, identityKey: deviceKey() },
  { deviceId: 1, registrationId: 100, identityKey: deviceKey() },
];
const list = signDeviceList(account, { address: 'bob@b.example', version: 2, timestamp: Date.now(), devices });

describe('signed device lists', () => {
  it('are signed by the account identity, name its key and list devices in id order', () => {
    expect(list.accountIdentityKey).toBe(toBase64(account.publicKey.serialize()));
    expect(list.devices.map((d) => d.deviceId)).toEqual([1, 3]);
    expect(verifyDeviceListSignature(list)).toBe(true);
  });

  it('carry only the documented fields of each device', () => {
    const withName = [{ ...devices[0], name: 'phone' }];
    expect(signDeviceList(account, { ...list, devices: withName }).devices).toEqual([devices[0]]);
  });

  it.each<[string, (l: SignedDeviceList) => unknown]>([
    ['a changed version', (l) => ({ ...l, version: 3 })],
    ['a changed address', (l) => ({ ...l, address: 'eve@b.example' })],
    ['a changed device key', (l) => ({ ...l, devices: [{ ...l.devices[0], identityKey: deviceKey() }, l.devices[1]] })],
    ['an added device', (l) => ({ ...l, devices: [...l.devices, { deviceId: 9, registrationId: 9, identityKey: deviceKey() }] })],
    ['a removed device', (l) => ({ ...l, devices: [l.devices[1]] })],
    ['another key named as signer', (l) => ({ ...l, accountIdentityKey: toBase64(generateAccountIdentity().publicKey.serialize()) })],
    ['a signature of 63 bytes', (l) => ({ ...l, signature: toBase64(Buffer.from(l.signature, 'base64').subarray(1)) })],
    ['a signature that is not base64', (l) => ({ ...l, signature: '!!!' })],
    ['a signature with trailing junk', (l) => ({ ...l, signature: `${l.signature}AA` })],
    ['a 32-byte account key', (l) => ({ ...l, accountIdentityKey: toBase64(new Uint8Array(32)) })],
    ['a 33-byte key of an unknown type', (l) => ({ ...l, accountIdentityKey: toBase64(new Uint8Array(33).fill(7)) })],
    ['devices that are not an array', (l) => ({ ...l, devices: null })],
    ['a number for the signature', (l) => ({ ...l, signature: 42 })],
    ['null', () => null],
  ])('are refused, without a throw, with %s', (_case, tamper) => {
    expect(verifyDeviceListSignature(tamper(list) as SignedDeviceList)).toBe(false);
  });
});

describe('provisioning messages', () => {
  const slotId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const newDevice = PrivateKey.generate();
  const message: ProvisioningMessage = { accountIdentityKeyPair: toBase64(account.serialize()), deviceId: 4, deviceList: list };
  const sealed = sealProvisioningMessage(newDevice.getPublicKey(), slotId, message);

  it('open to the message for the new device and slot only', () => {
    expect(openProvisioningMessage(newDevice, slotId, sealed)).toEqual(message);
    expect(sealed).not.toContain(message.accountIdentityKeyPair);
  });

  it.each([
    ['another slot', () => openProvisioningMessage(newDevice, '00000000-0000-4000-8000-000000000000', sealed)],
    ['another device', () => openProvisioningMessage(PrivateKey.generate(), slotId, sealed)],
    [
      'a flipped byte',
      () => {
        const bytes = Buffer.from(sealed, 'base64');
        bytes[bytes.length - 5] ^= 1;
        return openProvisioningMessage(newDevice, slotId, bytes.toString('base64'));
      },
    ],
    [
      'a list signed by another identity than the key pair carried',
      () => {
        const other = { ...message, deviceList: signDeviceList(generateAccountIdentity(), list) };
        return openProvisioningMessage(newDevice, slotId, sealProvisioningMessage(newDevice.getPublicKey(), slotId, other));
      },
    ],
    [
      'a key pair that is not one',
      () => {
        const mixed = new IdentityKeyPair(account.publicKey, PrivateKey.generate());
        const other = { ...message, accountIdentityKeyPair: toBase64(mixed.serialize()) };
        return openProvisioningMessage(newDevice, slotId, sealProvisioningMessage(newDevice.getPublicKey(), slotId, other));
      },
    ],
  ])('refuse %s with a clear error', (_case, open) => {
    expect(open).toThrow(ProvisioningError);
    expect(open).toThrow(/cannot accept the provisioning message/);
  });
});

describe('account safety numbers', () => {
  const alice = { address: 'alice@a.example', accountIdentityKey: generateAccountIdentity().publicKey };
  const bob = { address: 'bob@b.example', accountIdentityKey: account.publicKey };

  it('show the same 60 digits on both sides', () => {
    const number = accountSafetyNumber(alice, bob);
    expect(number).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(accountSafetyNumber(bob, alice)).toBe(number);
  });

  it('change when an account identity changes', () => {
    const newBob = { ...bob, accountIdentityKey: generateAccountIdentity().publicKey };
    expect(accountSafetyNumber(alice, newBob)).not.toBe(accountSafetyNumber(alice, bob));
  });
});
