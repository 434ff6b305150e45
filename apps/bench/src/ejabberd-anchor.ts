import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** ejabberd's in-memory relay on this machine (shared/anchors/xmpp-relay): the peer issue 14 measures delivery against. */
export interface EjabberdAnchor {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
}

const SCRIPT = join(process.env.PARLEY_ANCHORS_DIR ?? join(process.cwd(), '..', 'shared', 'anchors'), 'xmpp-relay', 'run.sh');

/**
 * Runs the anchor (about a minute; it installs ejabberd from Debian's
 * packages the first time) so the ratio is taken in the same run, on the
 * same machine in the same state. Null when the anchor is not here or
 * fails: the table then says n/a rather than quoting an old figure.
 */
export function runEjabberdAnchor(): Promise<EjabberdAnchor | null> {
  if (!existsSync(SCRIPT)) return Promise.resolve(null);
  return new Promise((resolve) =>
    execFile('bash', [SCRIPT], { timeout: 300_000 }, (error, stdout) => {
      const match = /ejabberd (\d+(?:\.\d+)?) deliveries\/s, p50 (\d+(?:\.\d+)?) ms, p99 (\d+(?:\.\d+)?) ms/.exec(stdout);
      if (error || !match) {
        process.stderr.write(`bench: the ejabberd anchor did not run (${error?.message ?? stdout.trim()})\n`);
        return resolve(null);
      }
      resolve({ deliveriesPerSecond: Number(match[1]), p50: Number(match[2]), p99: Number(match[3]) });
    }),
  );
}
