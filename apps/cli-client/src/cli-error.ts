import { ErrorCode, ParleyApiError, RealtimeClosedError } from '@parley/protocol';
import { WrongPassphraseError } from '@parley/crypto';

/** Process exit codes, documented in docs/CLI.md so scripts can branch on them. */
export enum ExitCode {
  Ok = 0,
  Failure = 1,
  Usage = 2,
  NotFound = 3,
  Unauthorized = 4,
  Conflict = 5,
  Unreachable = 6,
  Untrusted = 7,
  DeviceRemoved = 8,
}

/** An error the user can act on: its message is printed as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Failure,
  ) {
    super(message);
  }
}

/** `parley <command>` as the user should type it for this profile. */
export const parleyCommand = (command: string, profile?: string) =>
  `parley ${profile && profile !== 'default' ? `--profile ${profile} ` : ''}${command}`;

/** This profile's device is no longer on its account (removed by another device, or by a reset): only local cleanup helps. */
export const deviceRemovedError = (username: string, deviceId: number, profile?: string) =>
  new CliError(
    `this device (${deviceId}) was removed from ${username}'s account; \`${parleyCommand('unlink', profile)}\` forgets it here, ` +
      `then \`${parleyCommand(`link ${username}`, profile)}\` adds it again or \`${parleyCommand(`reset ${username}`, profile)}\` starts the account over`,
    ExitCode.DeviceRemoved,
  );

const API_EXIT_CODES: Record<number, ExitCode> = {
  400: ExitCode.Usage,
  401: ExitCode.Unauthorized,
  403: ExitCode.Unauthorized,
  404: ExitCode.NotFound,
  409: ExitCode.Conflict,
};

/** Messages for the server errors a person meets in practice; the rest print the server's own message. */
const API_MESSAGES: Partial<Record<string, string>> = {
  [ErrorCode.UsernameTaken]: 'that username is taken',
  [ErrorCode.InvalidCredentials]: 'wrong username or password',
  [ErrorCode.Unauthorized]:
    'this device is not logged in (its tokens expired or were revoked, or the device was removed); try `parley login`',
  [ErrorCode.DeviceLimitReached]: 'this account already has the maximum number of devices; remove one with `parley devices remove <id>`',
  [ErrorCode.UnknownAddress]: 'no such user',
  [ErrorCode.RateLimited]: 'the server is throttling requests; wait a moment and try again',
  [ErrorCode.StaleDeviceList]: "the account's devices changed meanwhile; try again",
  [ErrorCode.SlotUsed]: 'that linking code was already approved',
};

/** Turns anything thrown into a CliError with a message for people and an exit code for scripts. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof WrongPassphraseError) return new CliError('wrong passphrase for this profile', ExitCode.Unauthorized);
  if (error instanceof RealtimeClosedError) {
    return error.reason === 'replaced'
      ? new CliError('this device connected again from elsewhere, which took over the connection', ExitCode.Conflict)
      : new CliError('this device was removed from the account', ExitCode.Unauthorized);
  }
  if (error instanceof ParleyApiError) {
    const message = API_MESSAGES[error.error] ?? `${error.body.message || error.error} (HTTP ${error.status})`;
    return new CliError(message, API_EXIT_CODES[error.status] ?? ExitCode.Failure);
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return new CliError(
      `cannot reach the server${cause ? ` (${cause})` : ''}; is it running, and is --server right?`,
      ExitCode.Unreachable,
    );
  }
  return new CliError(error instanceof Error ? error.message : String(error));
}
