import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a client address belongs to, for the audit log: IPv4 /24,
 * IPv6 /48. Enough for a user to tell "my home" from "somewhere else",
 * without the log keeping anyone's exact address.
 */
export function coarseAddress(ip: string): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(ip)) {
    const [head, tail = ''] = ip.split('::');
    const groups = head.split(':').filter(Boolean);
    const missing = 8 - groups.length - tail.split(':').filter(Boolean).length;
    const full = [...groups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tail.split(':').filter(Boolean)];
    return `${full.slice(0, 3).join(':')}::/48`;
  }
  return 'unknown';
}
