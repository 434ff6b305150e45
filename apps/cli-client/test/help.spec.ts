import { runCli } from './cli-runner';

const COMMANDS = [
  [],
  ['register'],
  ['link'],
  ['link', 'approve'],
  ['reset'],
  ['backup'],
  ['restore'],
  ['audit'],
  ['login'],
  ['unlink'],
  ['whoami'],
  ['profiles'],
  ['devices'],
  ['devices', 'list'],
  ['devices', 'remove'],
  ['send'],
  ['inbox'],
  ['history'],
  ['contacts'],
  ['chat'],
  ['fingerprint'],
  ['verify'],
  ['trust'],
  ['keys'],
  ['keys', 'status'],
  ['keys', 'replenish'],
  ['keys', 'rotate'],
  ['push'],
  ['push', 'status'],
  ['push', 'register'],
  ['push', 'remove'],
];

describe('parley --help', () => {
  it.each(COMMANDS.map((c) => [c.join(' ') || '(none)', c]))('documents %s', async (_name, command) => {
    const { code, stdout } = await runCli({ PATH: process.env.PATH ?? '' }, [...command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: parley ${command.join(' ')}`));
  });

  it('answers a usage error with exit code 2 and the command’s help', async () => {
    const { code, stderr } = await runCli({ PATH: process.env.PATH ?? '' }, ['send', 'bob']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/nothing to send: give a message, or a file with --file[\s\S]*Usage: parley send/);
  });
});
