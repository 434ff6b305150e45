import { InvalidArgumentError } from 'commander';
import { parseAddress } from '@parley/protocol';

/** Validates a user argument before any request is made. */
export function parseRecipient(value: string): string {
  if (!parseAddress(value)) throw new InvalidArgumentError('expected a username like bob, or bob@server.example');
  return value;
}
