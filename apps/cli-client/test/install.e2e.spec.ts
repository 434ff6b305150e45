import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliMain, tempHome } from './cli-runner';

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..', '..');

/** `parley` as a person installs it: the package's bin on PATH, run from anywhere. */
describe('installing parley', () => {
  let scratch: ReturnType<typeof tempHome>;
  beforeAll(() => {
    scratch = tempHome();
  });
  afterAll(() => scratch?.remove());

  it('builds an executable script', () => {
    expect(statSync(cliMain()).mode & 0o111).toBe(0o111);
  });

  it('installs as `parley` on PATH with npm and runs from another directory', async () => {
    const prefix = join(scratch.home, 'global');
    mkdirSync(join(prefix, 'lib'), { recursive: true });
    // A global install of a folder links it (as `npm link` does): nothing is downloaded or copied.
    await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', REPO]);
    const { stdout } = await run('parley', ['--help'], {
      cwd: scratch.home,
      env: { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` },
    });
    expect(stdout).toMatch(/^Usage: parley /);
  }, 60_000);

  it('runs through `npm run --silent cli --` from a subdirectory, with relative paths from there', async () => {
    const here = join(REPO, 'apps');
    const env = { PATH: process.env.PATH ?? '', HOME: scratch.home, PARLEY_PASSPHRASE: 'x' };
    const missing = await run('npm', ['run', '--silent', 'cli', '--', '--profile', './no-such-profile', 'whoami'], {
      cwd: here,
      env,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({
      code: 3,
      stderr: `parley: no device in profile ${join(here, 'no-such-profile')}; create one with \`parley register\` or \`parley link\`\n`,
    });
  }, 60_000);
});
