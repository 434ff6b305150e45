import { Command, Option } from 'commander';
import { auditCommand } from './commands/audit';
import { backupCommand } from './commands/backup';
import { chatCommand } from './commands/chat';
import { contactsCommand } from './commands/contacts';
import { devicesCommand } from './commands/devices';
import { registerCommand } from './commands/enroll';
import { fingerprintCommand } from './commands/fingerprint';
import { historyCommand } from './commands/history';
import { inboxCommand } from './commands/inbox';
import { keysCommand } from './commands/keys';
import { pushCommand } from './commands/push';
import { linkCommand } from './commands/link';
import { loginCommand } from './commands/login';
import { monitorCommand } from './commands/monitor';
import { witnessesCommand } from './commands/witnesses';
import { profilesCommand } from './commands/profiles';
import { resetCommand } from './commands/reset';
import { restoreCommand } from './commands/restore';
import { sendCommand } from './commands/send';
import { trustCommand, verifyCommand } from './commands/trust';
import { unlinkCommand } from './commands/unlink';
import { whoamiCommand } from './commands/whoami';

export function buildProgram(): Command {
  const program = new Command('parley')
    .description('Parley reference client: end-to-end encrypted messages (PQXDH + Double Ratchet, one session per device pair)')
    .addOption(
      new Option('--profile <name-or-dir>', 'device profile: a name under $PARLEY_HOME (default ~/.parley), or a directory')
        .env('PARLEY_PROFILE')
        .default('default'),
    )
    .addOption(
      new Option(
        '--server <url>',
        'server base URL, may include a path (stored once a command succeeds with it; default http://localhost:3000)',
      ).env('PARLEY_SERVER'),
    )
    .option('--json', 'machine-readable output: one JSON document per result');
  for (const command of [
    registerCommand(),
    linkCommand(),
    resetCommand(),
    restoreCommand(),
    loginCommand(),
    unlinkCommand(),
    whoamiCommand(),
    profilesCommand(),
    devicesCommand(),
    backupCommand(),
    sendCommand(),
    inboxCommand(),
    chatCommand(),
    historyCommand(),
    contactsCommand(),
    fingerprintCommand(),
    verifyCommand(),
    trustCommand(),
    keysCommand(),
    pushCommand(),
    auditCommand(),
    monitorCommand(),
    witnessesCommand(),
  ]) {
    program.addCommand(command);
  }
  throwUsageErrors(program);
  return program;
}

/**
 * Commands built with `new Command` do not inherit settings from their
 * parent, so each one is told to throw usage errors (main.ts maps them to
 * the usage exit code) and to show its help after one.
 */
function throwUsageErrors(command: Command): void {
  command.exitOverride().showHelpAfterError();
  command.commands.forEach(throwUsageErrors);
}

/** With --json, commander prints nothing itself: main.ts writes the usage error as JSON. */
export function reportUsageErrorsAsJson(command: Command): void {
  command.showHelpAfterError(false).configureOutput({ outputError: () => undefined });
  command.commands.forEach(reportUsageErrorsAsJson);
}
