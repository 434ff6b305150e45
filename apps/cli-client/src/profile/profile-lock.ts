import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { CliError, ExitCode } from '../cli-error';
import { lockPath } from './profile-location';

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Holds the profile for this process. Two processes on one profile would
 * each load the ratchet state, advance it and write it back, and the second
 * write would silently undo the first; so a second process is refused.
 * A lock left by a process that died is taken over.
 */
export function lockProfile(dir: string): () => void {
  const path = lockPath(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      // Removes our own lock exactly once: after release another process may hold the file.
      const release = () => {
        process.off('exit', release);
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8'));
      if (holder && isRunning(holder)) {
        throw new CliError(`profile ${dir} is in use by process ${holder} (one process per device profile)`, ExitCode.Conflict);
      }
      unlinkSync(path);
    }
  }
  throw new CliError(`cannot lock profile ${dir}`);
}
