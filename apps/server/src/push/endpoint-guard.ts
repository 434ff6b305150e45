import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP, LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Resolves a host name to every address it has (dns.lookup with `all: true`). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const resolveAll: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * Whether an address is on the public internet: ipaddr.js's `unicast`
 * range, so loopback, private (RFC 1918), carrier-grade NAT, link-local,
 * unique-local (fc00::/7), multicast, unspecified, reserved and
 * documentation ranges are not, and neither are the IPv6 forms that embed
 * an IPv4 address (6to4, Teredo, NAT64), whose IPv4 part could be any of
 * those. An IPv4-mapped IPv6 address is judged as its IPv4 address.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** Why an endpoint is refused, or null when it may be used. */
export async function endpointRefusal(endpoint: string, allowPrivate: boolean, resolve: Resolver = resolveAll): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'the endpoint is not a URL';
  }
  if (url.protocol !== 'https:') return 'the endpoint must be an https:// URL';
  if (url.username || url.password) return 'the endpoint may not carry credentials';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await resolve(host)).map((a) => a.address);
  } catch {
    return `the endpoint's host ${host} does not resolve`;
  }
  if (!addresses.length) return `the endpoint's host ${host} does not resolve`;
  const inside = addresses.find((address) => !isPublicAddress(address));
  if (inside && !allowPrivate) return `the endpoint's host ${host} resolves to ${inside}, which is not a public address`;
  return null;
}

/**
 * A `lookup` for the https.Agent that carries wake-ups: it resolves the
 * host as dns.lookup does and refuses the connection unless every address
 * is public. The check happens on the addresses the socket then connects
 * to, so a host that resolved to a public address at registration and to
 * an inside one now (DNS rebinding) is still refused.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = resolveAll): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const inside = addresses.find((a) => !isPublicAddress(a.address));
        if (!addresses.length || (inside && !allowPrivate)) {
          const error = Object.assign(new Error(`push endpoint ${hostname} resolves to ${inside?.address ?? 'nothing'}: refused`), {
            code: 'EPUSHREFUSED',
          });
          callback(error, '', 0);
        } else if (options.all) {
          (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
        } else {
          callback(null, addresses[0].address, addresses[0].family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
