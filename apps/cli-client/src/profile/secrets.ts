import { CliError, ExitCode } from '../cli-error';

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (finish: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      finish();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(() => resolve(answer));
        if (char === '\u0003') return done(() => reject(new CliError('cancelled', ExitCode.Failure)));
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else answer += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * A secret from `envName`, else typed at the terminal (twice when `confirm`).
 * Scripts and tests set the variable; without it and without a terminal
 * there is nobody to ask, which is an error rather than a hang.
 */
export async function readSecret(envName: string, what: string, confirm = false): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new CliError(`set ${envName} or run in a terminal to enter the ${what}`, ExitCode.Usage);
  const secret = await promptHidden(`${what}: `);
  if (!secret) throw new CliError(`the ${what} must not be empty`, ExitCode.Usage);
  if (confirm && (await promptHidden(`repeat ${what}: `)) !== secret) {
    throw new CliError(`the two ${what}s differ`, ExitCode.Usage);
  }
  return secret;
}

export const readPassphrase = (confirm = false) => readSecret('PARLEY_PASSPHRASE', 'passphrase for this device profile', confirm);
export const readPassword = (confirm = false) => readSecret('PARLEY_PASSWORD', 'account password', confirm);
