/**
 * Where commands write results: plain lines for people, or with --json one
 * JSON document per result (one per line when a command streams), so
 * scripts never parse prose.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** One result: `human` for people, `data` for --json. */
  result(human: string, data: unknown): void {
    process.stdout.write(this.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
  }

  /** Progress and notices that are not the result: stderr, so they never mix into --json output. */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}

/** `1 device`, `2 devices`: a count with its noun in the right number. */
export const plural = (count: number, noun: string, pluralNoun = `${noun}s`) => `${count} ${count === 1 ? noun : pluralNoun}`;

/** `device 2`, `devices 1, 3`: a noun naming the ids that follow it. */
export const numbered = (noun: string, ids: number[], pluralNoun = `${noun}s`) =>
  `${ids.length === 1 ? noun : pluralNoun} ${ids.join(', ')}`;
