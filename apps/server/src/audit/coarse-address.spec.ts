import { coarseAddress } from './coarse-address';

describe('coarseAddress', () => {
  it.each([
    ['IPv4', '203.0.113.77', '203.0.113.0/24'],
    ['IPv4 mapped into IPv6', '::ffff:198.51.100.9', '198.51.100.0/24'],
    ['IPv6 loopback', '::1', '0:0:0::/48'],
    ['IPv6', '2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::/48'],
    ['compressed IPv6', '2001:db8::1', '2001:db8:0::/48'],
    ['not an address', 'nonsense', 'unknown'],
  ])('%s', (_name, ip, expected) => {
    expect(coarseAddress(ip)).toBe(expected);
  });
});
