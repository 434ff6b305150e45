import { CliError, ExitCode } from './cli-error';
import { confirm } from './trust/safety';

/** What to say before something that cannot be undone. */
export interface DestructiveStep {
  /** One line: what the step does, e.g. "a reset removes every device of the account". */
  summary: string;
  /** What will be lost, shown at the terminal before the question. */
  details: string;
  question: string;
  /** The error when the person says no. */
  declined: string;
}

/**
 * Asks before destroying: `--yes` skips the question, a person at a
 * terminal must answer yes, and without a terminal nothing happens unless
 * `--yes` was given (a script must say so explicitly).
 */
export async function confirmDestructive(step: DestructiveStep, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError(`${step.summary}: pass --yes to confirm it`, ExitCode.Usage);
  process.stderr.write(`${step.details}\n`);
  if (!(await confirm(step.question))) throw new CliError(step.declined);
}
