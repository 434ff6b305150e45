import { decodeKeyLeaf, deviceListHash, encodeKeyLeaf, keyLeafFor } from './key-leaf';

const KEY = Buffer.concat([Buffer.from([5]), Buffer.alloc(32, 1)]).toString('base64');
const LIST = {
  address: 'alice@a.example',
  accountIdentityKey: KEY,
  version: 3,
  timestamp: 1764700000000,
  devices: [{ deviceId: 1, registrationId: 4711, identityKey: KEY }],
};

describe('key log leaves', () => {
  it('encodes the documented lines and reads them back', () => {
    const leaf = keyLeafFor(LIST, 17);
    const bytes = encodeKeyLeaf(leaf);
    expect(bytes.toString()).toBe(`parley-key-leaf-v1\nalice@a.example\n3\n${KEY}\n${deviceListHash(LIST)}\n17`);
    expect(decodeKeyLeaf(bytes)).toEqual(leaf);
    expect(decodeKeyLeaf(encodeKeyLeaf(keyLeafFor(LIST, null))).previousIndex).toBeNull();
  });

  it('commits to the list content, not to its order or its signature', () => {
    const reordered = { ...LIST, devices: [...LIST.devices].reverse(), signature: 'anything' };
    expect(deviceListHash(reordered)).toBe(deviceListHash(LIST));
    expect(deviceListHash({ ...LIST, version: 4 })).not.toBe(deviceListHash(LIST));
  });

  it.each([
    ['a trailing newline', (s: string) => `${s}\n`],
    ['another context', (s: string) => s.replace('parley-key-leaf-v1', 'parley-key-leaf-v2')],
    ['a version with a leading zero', (s: string) => s.replace('\n3\n', '\n03\n')],
    ['version 0', (s: string) => s.replace('\n3\n', '\n0\n')],
    ['a previous index that is not a number', (s: string) => s.replace(/\n17$/, '\nnull')],
    ['a short key', (s: string) => s.replace(KEY, KEY.slice(4))],
    ['an address without a domain', (s: string) => s.replace('alice@a.example', 'alice')],
  ])('refuses a leaf with %s', (_case, mangle) => {
    expect(() => decodeKeyLeaf(Buffer.from(mangle(encodeKeyLeaf(keyLeafFor(LIST, 17)).toString())))).toThrow('not a key log leaf');
  });
});
