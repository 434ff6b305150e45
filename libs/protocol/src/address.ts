import { Limits } from './wire';

/** A parsed `username` or `username@domain` (API.md, Conventions). */
export interface ParsedAddress {
  username: string;
  domain: string | null;
}

/**
 * Splits an address into its username and optional domain; null when either
 * part is malformed. Domains are lower-cased; `host:port` is allowed so that
 * test deployments on loopback can federate.
 */
export function parseAddress(address: string): ParsedAddress | null {
  const at = address.indexOf('@');
  const username = at === -1 ? address : address.slice(0, at);
  const domain = at === -1 ? null : address.slice(at + 1).toLowerCase();
  if (!Limits.usernamePattern.test(username)) return null;
  if (domain !== null && !/^[a-z0-9.-]+(:[0-9]{1,5})?$/.test(domain)) return null;
  return { username, domain };
}
