import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIST = join(__dirname, '..', '..', '..', 'dist', 'apps', 'cli-client');

/** The built CLI (`npx nest build cli-client`); where tsc puts it depends on the shared rootDir. */
export function cliMain(): string {
  const candidates = [join(DIST, 'main.js'), join(DIST, 'apps', 'cli-client', 'src', 'main.js')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`build the CLI first (npx nest build cli-client); looked for ${candidates.join(', ')}`);
  return found;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const PASSPHRASE = 'profile passphrase';
export const PASSWORD = 'correct horse battery';

/** The environment a person would set up: profiles under one home, secrets from the environment. */
export const cliEnv = (home: string, server: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  PARLEY_HOME: home,
  PARLEY_SERVER: server,
  PARLEY_PASSPHRASE: PASSPHRASE,
  PARLEY_PASSWORD: PASSWORD,
});

/** Runs `parley` as a separate process, exactly as from a shell. */
export function runCli(env: Record<string, string>, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliMain(), ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** One device profile driven through the CLI. */
export class CliDevice {
  constructor(
    readonly profile: string,
    private readonly env: Record<string, string>,
  ) {}

  run(...args: string[]): Promise<CliResult> {
    return runCli(this.env, ['--profile', this.profile, ...args]);
  }

  /** Runs with --json and parses stdout; fails the test with stderr when the command fails. */
  async json<T = any>(...args: string[]): Promise<T> {
    const result = await this.run('--json', ...args);
    if (result.code !== 0) throw new Error(`parley ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** `inbox --json` prints one JSON document per message. */
  async inbox(): Promise<any[]> {
    const result = await this.run('--json', 'inbox');
    if (result.code !== 0) throw new Error(`parley inbox exited ${result.code}: ${result.stderr}`);
    return result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }
}

/** A temporary PARLEY_HOME, removed by `remove`. */
export function tempHome(): { home: string; remove: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}
