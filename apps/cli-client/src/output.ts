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
