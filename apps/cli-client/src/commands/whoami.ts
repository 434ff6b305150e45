import { Command } from 'commander';
import { accountSafetyNumber } from '@parley/crypto';
import { deviceAction } from '../command-action';
import type { DeviceContext } from '../profile/device-context';

/**
 * This account's half of every safety number it has: libsignal's
 * fingerprint is one 30-digit half per party, so a safety number of the
 * account with itself is its own half twice. A contact can check these
 * digits in the safety number they see with this account.
 */
function accountFingerprint(ctx: DeviceContext): string {
  const self = { address: ctx.ownAddress, accountIdentityKey: ctx.accountIdentity.publicKey };
  return accountSafetyNumber(self, self).split(' ').slice(0, 6).join(' ');
}

/** Who this profile is, read from the profile alone: no server is asked, and it works while `chat` runs. */
export const whoamiCommand = () =>
  new Command('whoami').description('show the account, device, server and profile directory of this profile (no network)').action(
    deviceAction(
      async (ctx, out) => {
        const { username, domain, deviceId, deviceName } = ctx.profile;
        const data = {
          username,
          address: ctx.ownAddress,
          domain,
          deviceId,
          deviceName,
          server: ctx.server,
          profile: ctx.location.dir,
          accountFingerprint: accountFingerprint(ctx),
        };
        const lines = [
          `${ctx.ownAddress}, device ${deviceId} "${deviceName}"`,
          `server   ${data.server}`,
          `profile  ${data.profile}`,
          `account  ${data.accountFingerprint} (this account's half of every safety number)`,
        ];
        out.result(lines.join('\n'), data);
      },
      { readOnly: true },
    ),
  );
