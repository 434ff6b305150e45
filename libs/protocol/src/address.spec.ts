import { parseAddress } from './address';

describe('parseAddress', () => {
  it.each([
    ['a local user', 'alice', { username: 'alice', domain: null }],
    ['a remote user', 'bob@b.example', { username: 'bob', domain: 'b.example' }],
    ['a domain with a port', 'bob@127.0.0.1:4001', { username: 'bob', domain: '127.0.0.1:4001' }],
    ['an upper-case domain, lower-cased', 'bob@B.Example', { username: 'bob', domain: 'b.example' }],
    ['dots and underscores', 'a.b_c', { username: 'a.b_c', domain: null }],
    ['32 characters', 'a'.repeat(32), { username: 'a'.repeat(32), domain: null }],
  ])('parses %s', (_case, address, expected) => {
    expect(parseAddress(address)).toEqual(expected);
  });

  it.each([
    ['an empty string', ''],
    ['an upper-case username', 'Alice'],
    ['two characters', 'ab'],
    ['33 characters', 'a'.repeat(33)],
    ['a leading dot', '.alice'],
    ['an empty domain', 'bob@'],
    ['two @', 'bob@b@c'],
    ['a path in the domain', 'bob@b.example/x'],
    ['a slash in the username', 'a/b'],
    ['a non-numeric port', 'bob@b.example:http'],
  ])('refuses %s', (_case, address) => {
    expect(parseAddress(address)).toBeNull();
  });
});
