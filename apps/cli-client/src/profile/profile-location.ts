import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

export const STORE_FILE = 'device.parley';
const LOCK_FILE = 'lock';

/**
 * The directory of a device profile. A name is looked up under PARLEY_HOME
 * (default ~/.parley); anything with a path separator is a directory as is.
 * One profile is one device: two devices of one account need two profiles.
 */
export function profileDirectory(profile: string): string {
  if (profile.includes(sep) || profile.includes('/')) return resolve(profile);
  return join(profilesHome(), profile);
}

/** Where named profiles live: PARLEY_HOME, default ~/.parley. */
export const profilesHome = () => process.env.PARLEY_HOME ?? join(homedir(), '.parley');

export const storePath = (dir: string) => join(dir, STORE_FILE);
export const lockPath = (dir: string) => join(dir, LOCK_FILE);
