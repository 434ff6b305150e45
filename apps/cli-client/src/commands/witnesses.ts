import { Command } from 'commander';
import { ParleyClient } from '@parley/protocol';
import { cosignerVerifierKey, parseCosignerVerifierKey, TransparencyError, witnessNameOf } from '@parley/transparency';
import { CliError, ExitCode } from '../cli-error';
import { deviceAction } from '../command-action';
import type { DeviceContext } from '../profile/device-context';

const nameOf = (key: string) => key.slice(0, key.indexOf('+'));

/**
 * A witness's cosigner key: given as a C2SP verifier key (checked), or
 * fetched from the witness server itself (its GET /federation/v1/server-key),
 * never from the home server whose log it is to vouch for.
 */
async function witnessKey(keyOrUrl: string): Promise<string> {
  if (/^https?:\/\//.test(keyOrUrl)) {
    const { domain, publicKey } = await new ParleyClient(keyOrUrl).serverKey();
    return cosignerVerifierKey(witnessNameOf(domain), Buffer.from(publicKey, 'base64'));
  }
  try {
    parseCosignerVerifierKey(keyOrUrl);
    return keyOrUrl;
  } catch (error) {
    if (!(error instanceof TransparencyError)) throw error;
    throw new CliError(`not a witness key (${error.message}); give <name>+<key id>+<key>, or the witness server's URL`, ExitCode.Usage);
  }
}

const saveWitnesses = (ctx: DeviceContext, keys: string[]) =>
  ctx.exclusive(async () => {
    ctx.profile.witnesses = keys;
    await ctx.store.save();
  });

const list = () =>
  new Command('list').description('the witnesses whose cosignature a device list needs before this device encrypts to it').action(
    deviceAction(
      async (ctx, out) => {
        const keys = ctx.profile.witnesses ?? [];
        for (const key of keys) out.result(`${nameOf(key)}  ${key}`, { name: nameOf(key), key });
        if (keys.length === 0 && !out.json) out.note('no witnesses: device lists are checked against the key log, without cosignatures');
      },
      { readOnly: true },
    ),
  );

const add = () =>
  new Command('add')
    .description("require a witness's cosignature: its verifier key, or its server's URL to fetch the key from")
    .argument('<key-or-url>', '<name>+<key id>+<key> (C2SP), or https://witness.example')
    .action(
      deviceAction(async (ctx, out, [keyOrUrl]) => {
        const key = await witnessKey(keyOrUrl);
        await saveWitnesses(ctx, [...(ctx.profile.witnesses ?? []).filter((k) => nameOf(k) !== nameOf(key)), key]);
        out.result(`from now on, device lists need a cosignature by ${nameOf(key)} or another witness`, { name: nameOf(key), key });
      }),
    );

const remove = () =>
  new Command('remove')
    .description('stop requiring a witness')
    .argument('<name>', 'as `parley witnesses` lists it, e.g. b.example/parley-witness')
    .action(
      deviceAction(async (ctx, out, [name]) => {
        const keys = ctx.profile.witnesses ?? [];
        if (!keys.some((k) => nameOf(k) === name)) throw new CliError(`no witness ${name}`, ExitCode.NotFound);
        await saveWitnesses(
          ctx,
          keys.filter((k) => nameOf(k) !== name),
        );
        out.result(`${name} removed`, { name });
      }),
    );

export const witnessesCommand = () =>
  new Command('witnesses')
    .description('list, add or remove the witnesses (other servers) that must have cosigned the key log before this device trusts a list')
    .addCommand(list(), { isDefault: true })
    .addCommand(add())
    .addCommand(remove());
