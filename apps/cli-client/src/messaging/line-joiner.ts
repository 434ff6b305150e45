/** Lines closer together than this came from one paste, not from a person pressing Enter. */
const PASTE_WINDOW_MS = 30;

/**
 * Joins lines that arrive within PASTE_WINDOW_MS of each other, so that a
 * pasted paragraph goes out as one message instead of one per line.
 */
export class LineJoiner {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly emit: (text: string) => void) {}

  push(line: string): void {
    this.lines.push(line);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), PASTE_WINDOW_MS);
  }

  /** Emits what is waiting at once: the input is closing. */
  flush(): void {
    clearTimeout(this.timer);
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n');
    this.lines = [];
    this.emit(text);
  }
}
