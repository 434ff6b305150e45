import { Fingerprint, PublicKey } from '@signalapp/libsignal-client';

/** Signal's parameters for version 2 fingerprints (libsignal's own tests and the apps use these). */
const FINGERPRINT_VERSION = 2;
const FINGERPRINT_ITERATIONS = 5200;

export interface SafetyNumberParty {
  username: string;
  identityKey: PublicKey;
}

/**
 * The 60-digit safety number of two identity keys, in twelve groups of five,
 * as libsignal's Fingerprint computes it. Both sides get the same digits.
 * Identifiers are bare usernames, without any `@domain`: a home server names
 * its own users without a domain and remote users with one, and both ends of
 * a federated pair must hash the same bytes.
 */
export function safetyNumber(local: SafetyNumberParty, remote: SafetyNumberParty): string {
  const identifier = (username: string) => new Uint8Array(Buffer.from(username.split('@')[0], 'utf8'));
  const digits = Fingerprint.new(
    FINGERPRINT_ITERATIONS,
    FINGERPRINT_VERSION,
    identifier(local.username),
    local.identityKey,
    identifier(remote.username),
    remote.identityKey,
  )
    .displayableFingerprint()
    .toString();
  return digits.match(/.{5}/g)!.join(' ');
}

/** One side of an account safety number: the full `username@domain` and its account identity key. */
export interface AccountSafetyNumberParty {
  address: string;
  accountIdentityKey: PublicKey;
}

/**
 * The one safety number of a contact: the same Fingerprint as `safetyNumber`,
 * over the two account identity keys instead of device keys. It stays the
 * same while either side adds or removes devices, because every device is
 * vouched for by the account key it covers; it changes only when an account
 * identity does.
 */
export function accountSafetyNumber(local: AccountSafetyNumberParty, remote: AccountSafetyNumberParty): string {
  return safetyNumber(
    { username: local.address, identityKey: local.accountIdentityKey },
    { username: remote.address, identityKey: remote.accountIdentityKey },
  );
}
