import * as opaque from '@serenity-kit/opaque';
import type { ParleyClient } from '@parley/protocol';
import { fromBase64, toBase64, unwrapRecoveryKey, wrapRecoveryKey } from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import { readSecret } from '../profile/secrets';

/**
 * The optional backup PIN (docs/API.md section 10, "PIN"): the recovery key
 * wrapped with the export key of an OPAQUE login (RFC 9807) with the PIN,
 * so the server checks a guess only online and never sees the PIN. The
 * PIN is stretched with argon2id (64 MiB, 3 passes: the library's
 * "memory-constrained" setting) before the OPRF, which makes each guess
 * an attacker with the server's database and OPAQUE setup tries offline
 * cost that much too (docs/SECURITY.md).
 */
const KEY_STRETCHING = 'memory-constrained';

export async function readPin(confirm = false): Promise<string> {
  const pin = await readSecret('PARLEY_BACKUP_PIN', 'backup PIN', confirm);
  if (pin.length < 4) throw new CliError('a backup PIN has at least 4 characters', ExitCode.Usage);
  return pin;
}

/** Registers `pin` for the account (replacing any earlier one) and leaves the recovery key wrapped under it. */
export async function setBackupPin(client: ParleyClient, pin: string, recoveryKey: string): Promise<void> {
  await opaque.ready;
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: pin });
  const { registrationResponse } = await client.startPinRegistration(registrationRequest);
  const { registrationRecord, exportKey } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password: pin,
    keyStretching: KEY_STRETCHING,
  });
  await client.setPin({ registrationRecord, wrappedKey: toBase64(wrapRecoveryKey(exportKey, recoveryKey)) });
}

/** The recovery key, through an OPAQUE login with `pin`; each try costs one of the account's 10 guesses. */
export async function recoveryKeyFromPin(client: ParleyClient, pin: string): Promise<string> {
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: pin });
  const { loginResponse, attemptsLeft } = await client.startPinLogin(startLoginRequest);
  const finished = opaque.client.finishLogin({ clientLoginState, loginResponse, password: pin, keyStretching: KEY_STRETCHING });
  if (!finished) {
    throw new CliError(
      attemptsLeft > 0
        ? `wrong PIN: ${attemptsLeft} more ${attemptsLeft === 1 ? 'guess' : 'guesses'} before the server deletes it`
        : 'wrong PIN, and that was the last guess: the server deletes the PIN; only the recovery key can restore now',
      ExitCode.Unauthorized,
      'wrong_pin',
    );
  }
  const { wrappedKey } = await client.finishPinLogin(finished.finishLoginRequest);
  return unwrapRecoveryKey(finished.exportKey, fromBase64(wrappedKey));
}
