import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRewriteProxy } from '../../../test/support/http-proxy';
import { startServer, TestServer } from '../../../test/support/server';

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

  /**
   * Links this profile as another device of `username`, approved from
   * `approver` (a device of that account): `parley link` waits in the
   * background while `approver` runs `parley link approve <code>`.
   * Returns the `link --json` result.
   */
  async link(username: string, approver: CliDevice, ...args: string[]): Promise<any> {
    const pending = startLink(this.env, ['--profile', this.profile, 'link', username, ...args]);
    await approver.json('link', 'approve', await pending.code);
    const result = await pending.done;
    if (result.code !== 0) throw new Error(`parley link exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout);
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

/** A `parley link` running in the background: its linking code once printed, and its result once it ends. */
export interface PendingLink {
  code: Promise<string>;
  done: Promise<CliResult>;
}

/** Starts `parley link` (with --json) as a separate process; the code comes from its stderr notice. */
export function startLink(env: Record<string, string>, args: string[]): PendingLink {
  const child = spawn(process.execPath, [cliMain(), '--json', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  const code = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = /"code":"([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"/.exec(stderr);
      if (found) resolve(found[1]);
    });
    void done.then((result) => reject(new Error(`parley link exited ${result.code} without a code: ${result.stderr}`)));
  });
  return { code, done };
}

/** What `useServerBehindProxy` sets up; its fields are set once the suite's first beforeAll has run. */
export interface ServerBehindProxy {
  server: TestServer;
  /** Forwards to `server`; its forgery is cleared after each test. */
  proxy: HttpRewriteProxy;
  home: ReturnType<typeof tempHome>;
}

/**
 * The malicious-server suites' world: a server, an HttpRewriteProxy in front
 * of it playing the server that lies, and one CLI home, started before the
 * suite (call it before the suite's own beforeAll) and stopped after it.
 */
export function useServerBehindProxy(serverEnv: Record<string, string> = {}): ServerBehindProxy {
  const world = {} as ServerBehindProxy;
  beforeAll(async () => {
    world.server = await startServer(serverEnv);
    world.proxy = await HttpRewriteProxy.start(world.server.url);
    world.home = tempHome();
  });
  afterEach(() => {
    if (world.proxy) world.proxy.forgery = {};
  });
  afterAll(async () => {
    await world.proxy?.close();
    await world.server?.stop();
    world.home?.remove();
  });
  return world;
}
