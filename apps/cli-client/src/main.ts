#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ExitCode, toCliError } from './cli-error';
import { buildProgram } from './program';

/**
 * `parley`: exits 0 on success, or with an ExitCode after one line on stderr.
 * The explicit exit ends keep-alive HTTP connections that would otherwise
 * hold the process open for a few seconds.
 */
buildProgram()
  .parseAsync(process.argv)
  .then(
    () => process.exit(ExitCode.Ok),
    (error: unknown) => {
      if (error instanceof CommanderError) {
        // commander has printed the message or the help already.
        process.exit(error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage);
      }
      const cliError = toCliError(error);
      process.stderr.write(`parley: ${cliError.message}\n`);
      if (process.env.PARLEY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exit(cliError.exitCode);
    },
  );
