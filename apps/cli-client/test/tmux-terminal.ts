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
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(size.columns), '-y', String(size.rows), ...envArgs,
      command.map(shellQuote).join(' '));
    // Keep the screen after the program exits, to read its last words and exit status.
    this.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on');
  }

  type(text: string): void { this.tmux('send-keys', '-t', 'main', '-l', text); }
  press(...keys: string[]): void { this.tmux('send-keys', '-t', 'main', ...keys); }
  screen(): string { return this.tmux('capture-pane', '-t', 'main', '-p'); }

  /** How the program ended (`exit 0`, `signal 15`), or null while it runs. */
  ending(): string | null {
    const [dead, status, signal] = this.tmux(
      'display-message', '-t', 'main', '-p', '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}').trim().split('|');
    // tmux can mark the pane dead a moment before it records how the program ended.
    if (dead !== '1' || (!status && !signal)) return null;
    return status ? `exit ${status}` : `signal ${signal}`;
  }

  /** Waits for the program to end and says how it did. */
  async waitForEnd(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ending = this.ending();
      if (ending) return ending;
      if (Date.now() > deadline) throw new Error(`the program is still running; the screen shows:\n${this.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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

  close(): void {
    try { this.tmux('kill-server'); } catch { /* already gone */ }
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
