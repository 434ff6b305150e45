#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliError, ExitCode, toCliError } from './cli-error';
import { buildProgram, reportUsageErrorsAsJson } from './program';

/** Scripts asked for JSON: errors too are one JSON object on stderr, never prose. */
const json = process.argv.slice(2, process.argv.includes('--') ? process.argv.indexOf('--') : undefined).includes('--json');

const fail = (error: CliError) => {
  process.stderr.write(json ? `${JSON.stringify(error)}\n` : `parley: ${error.message}\n`);
  process.exit(error.exitCode);
};

/**
 * `parley`: exits 0 on success, or with an ExitCode after one line on stderr.
 * The explicit exit ends keep-alive HTTP connections that would otherwise
 * hold the process open for a few seconds.
 */
const program = buildProgram();
if (json) reportUsageErrorsAsJson(program);
program.parseAsync(process.argv).then(
  () => process.exit(ExitCode.Ok),
  (error: unknown) => {
    if (error instanceof CommanderError) {
      // --help and --version end this way; otherwise commander has printed the message and the help (not with --json).
      if (error.exitCode === 0) process.exit(ExitCode.Ok);
      if (!json) process.exit(ExitCode.Usage);
      fail(new CliError(error.message.replace(/^error: /, ''), ExitCode.Usage));
    }
    if (process.env.PARLEY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    fail(toCliError(error));
  },
);
