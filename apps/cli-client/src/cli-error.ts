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
  /** The key log contradicts itself (a fork or a rollback) or records a device list this account did not sign. */
  LogAlarm = 9,
}

/** The `error` code of --json error output for each exit code, when no server code says more. */
const CODE_BY_EXIT: Record<ExitCode, string> = {
  [ExitCode.Ok]: 'ok',
  [ExitCode.Failure]: 'failed',
  [ExitCode.Usage]: 'usage',
  [ExitCode.NotFound]: 'not_found',
  [ExitCode.Unauthorized]: 'unauthorized',
  [ExitCode.Conflict]: 'conflict',
  [ExitCode.Unreachable]: 'unreachable',
  [ExitCode.Untrusted]: 'untrusted',
  [ExitCode.DeviceRemoved]: 'device_removed',
  [ExitCode.LogAlarm]: 'key_log_alarm',
};

/**
 * An error the user can act on: its message is printed as is, without a
 * stack; `code` is machine-readable (the server's error code when the
 * server refused, see `toCliError`).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Failure,
    readonly code: string = CODE_BY_EXIT[exitCode],
  ) {
    super(message);
  }

  /** The --json form: one object, for stderr. */
  toJSON() {
    return { error: this.code, message: this.message, exitCode: this.exitCode };
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

/** "42 s" or "3 min": a wait as a person reads it. */
export const formatWait = (ms: number) => (ms < 60_000 ? `${Math.max(1, Math.ceil(ms / 1000))} s` : `${Math.ceil(ms / 60_000)} min`);

/** How long to wait before trying again, from the server's Retry-After when it sent one. */
export const tryAgain = (error: ParleyApiError) =>
  error.retryAfterMs === undefined ? 'try again in a moment' : `try again in ${formatWait(error.retryAfterMs)}`;

/** The user a request named (`/v1/keys/dave`, `/v1/messages/bob%40b.example`), for errors about them. */
function addressedUser(error: ParleyApiError): { user: string; server: string } | null {
  const found = /^\/v1\/(?:keys|messages)\/([^/?]+)/.exec(error.request?.path ?? '');
  if (!found) return null;
  const [user, domain] = decodeURIComponent(found[1]).split('@');
  return { user, server: domain ?? 'this server' };
}

/** Messages for the server errors a person meets in practice; the rest print the server's own message. */
const API_MESSAGES: Partial<Record<string, (error: ParleyApiError) => string>> = {
  [ErrorCode.UsernameTaken]: () => 'that username is taken',
  [ErrorCode.InvalidCredentials]: () => 'wrong username or password',
  [ErrorCode.Unauthorized]: () => 'the server refused this device’s tokens; try `parley login`',
  [ErrorCode.DeviceLimitReached]: () =>
    'this account already has the maximum number of devices; remove one with `parley devices remove <id>`',
  [ErrorCode.UnknownAddress]: (e) => {
    const named = addressedUser(e);
    return named ? `no user ${named.user} on ${named.server}` : 'no such user';
  },
  [ErrorCode.UnknownPeer]: (e) => {
    const named = addressedUser(e);
    return named ? `this server does not federate with ${named.server}` : e.body.message;
  },
  [ErrorCode.RateLimited]: (e) => `rate limited; ${tryAgain(e)}`,
  [ErrorCode.QueueFull]: (e) => `the recipient has too many undelivered messages; ${tryAgain(e)}`,
  [ErrorCode.QueueShareFull]: (e) => `the recipient has not fetched your earlier messages yet; ${tryAgain(e)}`,
  [ErrorCode.ServiceUnavailable]: (e) => `the server is briefly unavailable; ${tryAgain(e)}`,
  [ErrorCode.StaleDeviceList]: () => "the account's devices changed meanwhile; try again",
  [ErrorCode.SlotUsed]: () => 'that linking code was already approved',
  [ErrorCode.BackupTooLarge]: (e) =>
    `the backup is larger than this server keeps (${String((e.body as { maxBytes?: number }).maxBytes)} bytes); try without --history`,
};

/** Turns anything thrown into a CliError with a message for people and an exit code and error code for scripts. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof WrongPassphraseError) return new CliError('wrong passphrase for this profile', ExitCode.Unauthorized);
  if (error instanceof RealtimeClosedError) {
    return error.reason === 'replaced'
      ? new CliError('this device connected again from elsewhere, which took over the connection', ExitCode.Conflict)
      : new CliError('this device was removed from the account', ExitCode.DeviceRemoved);
  }
  if (error instanceof ParleyApiError) {
    const message = API_MESSAGES[error.error]?.(error) ?? `${error.body.message || error.error} (HTTP ${error.status})`;
    return new CliError(message, API_EXIT_CODES[error.status] ?? ExitCode.Failure, error.error);
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
