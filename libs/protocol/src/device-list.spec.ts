import { DEVICE_LIST_CONTEXT, encodeDeviceList, UnsignedDeviceList } from './device-list';

const key = (fill: string) => Buffer.concat([Buffer.from([5]), Buffer.alloc(32, fill)]).toString('base64');
const list: UnsignedDeviceList = {
  address: 'bob@b.example',
  accountIdentityKey: key('a'),
  version: 3,
  timestamp: 1700000000000,
  devices: [
    { deviceId: 2, registrationId: 77, identityKey: key('c') },
    { deviceId: 1, registrationId: 4242, identityKey: key('b') },
  ],
};
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('encodeDeviceList', () => {
  it('is the documented lines: context, address, account key, version, timestamp, devices by id', () => {
    expect(text(encodeDeviceList(list))).toBe(
      [DEVICE_LIST_CONTEXT, 'bob@b.example', key('a'), '3', '1700000000000', `1 4242 ${key('b')}`, `2 77 ${key('c')}`].join('\n'),
    );
  });

  it('does not depend on device order or on fields it does not name', () => {
    const reordered = { ...list, signature: 'x', extra: 1, devices: [...list.devices].reverse().map((d) => ({ ...d, name: 'phone' })) };
    expect(encodeDeviceList(reordered)).toEqual(encodeDeviceList(list));
  });

  it('encodes an account with no devices', () => {
    expect(text(encodeDeviceList({ ...list, devices: [] })).split('\n')).toHaveLength(5);
  });

  it.each<[string, Partial<UnsignedDeviceList>]>([
    ['a bare username', { address: 'bob' }],
    ['an upper-case domain (not normalised)', { address: 'bob@B.example' }],
    ['a newline in the address', { address: 'bob@b.example\n1 2 x' }],
    ['a padded 32-byte account key', { accountIdentityKey: Buffer.alloc(32).toString('base64') }],
    ['a key with a space', { accountIdentityKey: `${key('a').slice(0, 43)} ` }],
    ['version 0', { version: 0 }],
    ['a fractional version', { version: 1.5 }],
    ['a version beyond 2^53', { version: 2 ** 53 }],
    ['a negative timestamp', { timestamp: -1 }],
    ['a device listed twice', { devices: [list.devices[0], { ...list.devices[0], registrationId: 1 }] }],
    ['device id 0', { devices: [{ ...list.devices[0], deviceId: 0 }] }],
    ['a string registration id', { devices: [{ ...list.devices[0], registrationId: '7' as unknown as number }] }],
    ['a device key that smuggles a second line', { devices: [{ ...list.devices[0], identityKey: `${key('b')}\n3 1 ${key('d')}` }] }],
  ])('refuses %s, which has no single canonical spelling', (_case, change) => {
    expect(() => encodeDeviceList({ ...list, ...change })).toThrow(/invalid device list/);
  });
});
