import { Command } from 'commander';
import { DEVICE_LOGIN_CONTEXT } from '@parley/protocol';
import { fromBase64, toBase64 } from '@parley/crypto';
import { deviceAction } from '../command-action';

/**
 * Device login (API.md section 1): signs the server's challenge with this
 * device's identity key. No password: the device proves itself, which is
 * what recovers a profile whose refresh token expired or was revoked.
 */
export const loginCommand = () =>
  new Command('login').description("get new tokens for this profile's device by signing a challenge with its identity key").action(
    deviceAction(async (ctx, out) => {
      const { username, deviceId } = ctx.profile;
      const { challenge } = await ctx.client.challenge(username, deviceId);
      const signed = Buffer.concat([Buffer.from(DEVICE_LOGIN_CONTEXT, 'utf8'), fromBase64(challenge)]);
      const signature = ctx.store.identityKeyPair.privateKey.sign(new Uint8Array(signed));
      await ctx.client.deviceLogin(username, deviceId, challenge, toBase64(signature));
      out.result(`logged in as ${username}, device ${deviceId}`, { username, deviceId });
    }),
  );
