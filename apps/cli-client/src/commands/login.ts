import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { logInDevice } from '../profile/device-login';

/**
 * Device login by hand. Every command already does this by itself when the
 * refresh token is refused (DeviceContext), so this is for scripts that
 * want fresh tokens, or to check that the device is still on its account.
 */
export const loginCommand = () =>
  new Command('login').description("get new tokens for this profile's device by signing a challenge with its identity key").action(
    deviceAction(async (ctx, out) => {
      const { username, deviceId } = ctx.profile;
      await logInDevice(ctx.client, { username, deviceId, identityKeyPair: ctx.store.identityKeyPair });
      out.result(`logged in as ${username}, device ${deviceId}`, { username, deviceId });
    }),
  );
