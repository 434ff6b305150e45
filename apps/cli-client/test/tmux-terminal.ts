import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A real terminal for one program, through tmux on a private socket (so the
 * test never touches a person's tmux): type into it with `type`/`press`,
 * read the screen with `screen`, as a person would.
 */
export class TmuxTerminal {
  private readonly socket = `parley-test-${randomBytes(4).toString('hex')}`;

  constructor(command: string[], env: Record<string, string>, size = { columns: 140, rows: 40 }) {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // The shell prints the exit status on screen: tmux's own record of it is sometimes empty.
    const reportingExit = ['sh', '-c', '"$@"; echo "[exit $?]"', 'sh', ...command];
    this.tmux(
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(size.columns),
      '-y',
      String(size.rows),
      ...envArgs,
      reportingExit.map(shellQuote).join(' '),
    );
    // Keep the screen after the program exits, to read its last words and exit status.
    this.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', text);
  }
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }
  screen(): string {
    return this.tmux('capture-pane', '-t', 'main', '-p');
  }

  /** Waits until the screen matches, and returns it; on timeout fails with what the screen showed. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}; it shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits for the program to end and returns its exit status. */
  async waitForEnd(timeoutMs = 10_000): Promise<number> {
    const screen = await this.waitFor(/^\[exit \d+\]$/m, timeoutMs);
    return Number(/^\[exit (\d+)\]$/m.exec(screen)![1]);
  }

  /** Ends the terminal and waits until its program is gone (and has let go of its profile). */
  async close(): Promise<void> {
    let pids: number[] = [];
    try {
      const shell = this.tmux('display-message', '-t', 'main', '-p', '#{pane_pid}').trim();
      pids = [shell, ...childPids(shell)].map(Number);
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
    const running = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (pids.some(running)) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
}

function childPids(pid: string): string[] {
  try {
    return execFileSync('pgrep', ['-P', pid], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
