import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

export const STORE_FILE = 'device.parley';
const LOCK_FILE = 'lock';

/**
 * The directory of a device profile. A name is looked up under PARLEY_HOME
 * (default ~/.parley); anything with a path separator is a directory,
 * relative to where the command was typed.
 * One profile is one device: two devices of one account need two profiles.
 */
export function profileDirectory(profile: string): string {
  if (profile.includes(sep) || profile.includes('/')) return resolve(whereTyped(), profile);
  return join(profilesHome(), profile);
}

/** Where named profiles live: PARLEY_HOME, default ~/.parley. */
export const profilesHome = () => resolve(whereTyped(), process.env.PARLEY_HOME ?? join(homedir(), '.parley'));

/**
 * The directory relative paths are meant from. `npm run cli` (the alias
 * docs/CLI.md offers inside a checkout) runs in the package root and names
 * the directory the person typed in as INIT_CWD; any other way of running
 * `parley` keeps its own working directory.
 */
const whereTyped = () => (process.env.npm_lifecycle_event === 'cli' && process.env.INIT_CWD) || process.cwd();

export const storePath = (dir: string) => join(dir, STORE_FILE);
export const lockPath = (dir: string) => join(dir, LOCK_FILE);
