import { clientNetwork } from './client-network';

describe('clientNetwork', () => {
  it.each([
    ['IPv4: the address itself', '203.0.113.77', '203.0.113.77/32'],
    ['IPv4 mapped into IPv6', '::ffff:198.51.100.9', '198.51.100.9/32'],
    ['IPv6: its /64', '2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3:8d3::/64'],
    ['IPv6 elsewhere in the same /64', '2001:db8:85a3:8d3::1', '2001:db8:85a3:8d3::/64'],
    ['IPv6 written with capitals and leading zeros', '2001:0DB8:85A3:08D3::1', '2001:db8:85a3:8d3::/64'],
    ['compressed IPv6', '2001:db8::1', '2001:db8:0:0::/64'],
    ['IPv6 with a zone', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['IPv6 loopback', '::1', '0:0:0:0::/64'],
    ['not an address', 'nonsense', 'unknown'],
  ])('%s', (_name, ip, expected) => {
    expect(clientNetwork(ip)).toBe(expected);
  });
});
