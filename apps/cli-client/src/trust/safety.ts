import { createInterface } from 'node:readline/promises';
import { PublicKey } from '@signalapp/libsignal-client';
import { ContactRecord, accountSafetyNumber, fromBase64 } from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import { isOwnAccount, startSessions } from '../messaging/peer-sessions';
import type { DeviceContext } from '../profile/device-context';
import { contactAddress, contactRecord } from './contacts';

/** The account safety number between this account and `address`'s account identity key (base64). */
export function safetyNumberWith(ctx: DeviceContext, address: string, accountIdentityKey: string): string {
  return accountSafetyNumber(
    { address: ctx.ownAddress, accountIdentityKey: ctx.accountIdentity.publicKey },
    { address, accountIdentityKey: PublicKey.deserialize(fromBase64(accountIdentityKey)) },
  );
}

/**
 * The record of `user` with the newest signed list this device has checked;
 * when there is none yet, fetches `user`'s bundles (checking them, which
 * pins the account identity) and starts sessions with them.
 */
export async function pinnedContact(ctx: DeviceContext, user: string): Promise<ContactRecord> {
  if (isOwnAccount(ctx, user) || contactAddress(ctx, user) === ctx.ownAddress) {
    throw new CliError('that is your own account: its safety number is with other people', ExitCode.Usage);
  }
  const record = contactRecord(ctx, user);
  if (record && (record.listVersion > 0 || record.pendingIdentityKey)) return record;
  await ctx.exclusive(() => startSessions(ctx, user));
  return contactRecord(ctx, user)!;
}

/** Asks a yes/no question on the terminal; false without one (scripts pass --confirm instead). */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
