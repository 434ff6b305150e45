import { isIPv4, isIPv6 } from 'node:net';

/** The 16-bit groups of an IPv6 address as numbers; those before an embedded IPv4 tail are exact, which is all a prefix reads. */
function ipv6Groups(ip: string): number[] {
  const [head, tail = ''] = ip.split('::');
  const parse = (part: string) => part.split(':').filter(Boolean);
  const known = [...parse(head), ...parse(tail)].length;
  const groups = [...parse(head), ...Array<string>(Math.max(0, 8 - known)).fill('0'), ...parse(tail)];
  return groups.map((group) => parseInt(group, 16) || 0);
}

/**
 * The network of `ip` that keeps its first `bits.v4` (a multiple of 8) or
 * `bits.v6` (a multiple of 16) bits, as a CIDR block: `203.0.113.0/24`,
 * `2001:db8:0::/48`. An IPv4 address mapped into IPv6 counts as IPv4;
 * anything that is no address is `unknown`. One spelling per network, so
 * that two ways of writing an address cannot be counted apart.
 */
export function networkOf(ip: string, bits: { v4: number; v6: number }): string {
  const v4 = ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIPv4(v4)) {
    const kept = v4.split('.').slice(0, bits.v4 / 8);
    return `${[...kept, ...Array<string>(4 - kept.length).fill('0')].join('.')}/${bits.v4}`;
  }
  if (isIPv6(ip))
    return `${ipv6Groups(ip.split('%')[0])
      .slice(0, bits.v6 / 16)
      .map((group) => group.toString(16))
      .join(':')}::/${bits.v6}`;
  return 'unknown';
}

/**
 * What the login throttles count as one client: an IPv4 address, or an
 * IPv6 /64, the smallest network a provider hands a subscriber (whoever
 * has one address of it can use them all).
 */
export const clientNetwork = (ip: string): string => networkOf(ip, { v4: 32, v6: 64 });
