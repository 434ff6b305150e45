import type { TypingPayload } from './payload';

/** Without a keystroke for this long, the person has stopped typing. */
const PAUSE_MS = 5000;

/**
 * Turns keystrokes into typing indicators, as Signal does: `started` when
 * the line gets its first character, `stopped` when it is cleared or left
 * alone for a while. A sent message needs no `stopped`: receivers take it
 * as one.
 */
export class TypingNotifier {
  private typing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (typing: TypingPayload['typing']) => void) {}

  /** Call after each keystroke with the line as it now reads. */
  update(line: string): void {
    clearTimeout(this.timer);
    if (!line) return this.stop();
    if (!this.typing) {
      this.typing = true;
      this.send('started');
    }
    this.timer = setTimeout(() => this.stop(), PAUSE_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    if (!this.typing) return;
    this.typing = false;
    this.send('stopped');
  }

  /** The line was sent as a message. */
  sent(): void {
    clearTimeout(this.timer);
    this.typing = false;
  }
}
