import type { LookupAddress } from 'node:dns';
import { endpointRefusal, guardedLookup, isPublicAddress, Resolver } from './endpoint-guard';

const resolvingTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('isPublicAddress', () => {
  it.each([
    ['public IPv4', '8.8.8.8', true],
    ['public IPv6', '2001:4860:4860::8888', true],
    ['IPv4-mapped public', '::ffff:8.8.8.8', true],
    ['loopback', '127.0.0.1', false],
    ['loopback elsewhere in 127/8', '127.5.6.7', false],
    ['IPv6 loopback', '::1', false],
    ['private 10/8', '10.1.2.3', false],
    ['private 172.16/12', '172.16.0.1', false],
    ['private 192.168/16', '192.168.1.1', false],
    ['cloud metadata (link-local)', '169.254.169.254', false],
    ['carrier-grade NAT', '100.64.0.1', false],
    ['unspecified', '0.0.0.0', false],
    ['IPv6 link-local', 'fe80::1', false],
    ['IPv6 unique-local', 'fd12:3456::1', false],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1', false],
    ['NAT64 of a private address', '64:ff9b::a00:1', false],
    ['6to4 of a private address', '2002:a00:1::', false],
    ['multicast', '224.0.0.1', false],
    ['not an address', 'localhost', false],
  ])('%s (%s): %s', (_name, address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('endpointRefusal', () => {
  it.each([
    ['plain http', 'http://push.example/x', resolvingTo('8.8.8.8'), /https/],
    ['not a URL', 'push.example/x', resolvingTo('8.8.8.8'), /not a URL/],
    ['credentials in the URL', 'https://user:pw@push.example/x', resolvingTo('8.8.8.8'), /credentials/],
    ['a name that resolves to loopback', 'https://push.example/x', resolvingTo('127.0.0.1'), /127\.0\.0\.1/],
    ['one inside address among public ones', 'https://push.example/x', resolvingTo('8.8.8.8', '10.0.0.5'), /10\.0\.0\.5/],
    ['an IPv6 literal', 'https://[::1]:8443/x', resolvingTo(), /::1/],
    ['the metadata address', 'https://169.254.169.254/latest', resolvingTo(), /169\.254\.169\.254/],
    ['a name that does not resolve', 'https://nowhere.invalid/x', () => Promise.reject(new Error('ENOTFOUND')), /does not resolve/],
  ])('refuses %s', async (_name, endpoint, resolve, reason) => {
    expect(await endpointRefusal(endpoint, false, resolve)).toMatch(reason);
  });

  it('admits a public https endpoint', async () => {
    expect(await endpointRefusal('https://push.example/x', false, resolvingTo('8.8.8.8', '2001:4860:4860::8888'))).toBeNull();
  });

  it('admits inside addresses only when told to (PUSH_ALLOW_PRIVATE_ENDPOINTS), and never plain http', async () => {
    expect(await endpointRefusal('https://127.0.0.1:8443/x', true, resolvingTo())).toBeNull();
    expect(await endpointRefusal('http://127.0.0.1:8443/x', true, resolvingTo())).toMatch(/https/);
  });
});

describe('guardedLookup (at connect time: DNS rebinding)', () => {
  const lookup = (allowPrivate: boolean, resolve: Resolver, all: boolean) =>
    new Promise<{ error: Error | null; result: unknown }>((done) =>
      guardedLookup(allowPrivate, resolve)('push.example', { all }, (error, result) => done({ error, result })),
    );

  it('refuses a host that now resolves to an inside address', async () => {
    const { error } = await lookup(false, resolvingTo('8.8.8.8', '127.0.0.1'), true);
    expect(error?.message).toMatch(/127\.0\.0\.1.*refused/);
  });

  it('hands the resolved addresses to the socket otherwise', async () => {
    expect((await lookup(false, resolvingTo('8.8.8.8'), false)).result).toBe('8.8.8.8');
    expect((await lookup(false, resolvingTo('8.8.8.8'), true)).result).toEqual([{ address: '8.8.8.8', family: 4 }]);
    expect((await lookup(true, resolvingTo('127.0.0.1'), false)).result).toBe('127.0.0.1');
  });
});
