import { Command } from 'commander';
import { rotateSignedKeys } from '@parley/crypto';
import { deviceAction } from '../command-action';
import { replenishKeys } from '../messaging/key-upkeep';
import { plural } from '../output';

const showCounts = () =>
  new Command('status').description('one-time keys left on the server, and private keys held by this device').action(
    deviceAction(async (ctx, out) => {
      const server = await ctx.client.keyCount();
      const local = {
        preKeys: ctx.store.preKeys.records.size,
        kyberPreKeys: ctx.store.kyberPreKeys.records.size,
        signedPreKeys: ctx.store.signedPreKeys.records.size,
      };
      out.result(
        `on the server: ${plural(server.preKeys, 'one-time EC prekey')}, ${plural(server.pqPreKeys, 'one-time Kyber prekey')}\n` +
          `on this device: ${plural(local.preKeys, 'EC prekey')}, ${plural(local.kyberPreKeys, 'Kyber prekey')} (with last-resort), ` +
          plural(local.signedPreKeys, 'signed prekey'),
        { server, local },
      );
    }),
  );

const replenish = () =>
  new Command('replenish').description('generate and upload one-time keys up to the target count').action(
    deviceAction(async (ctx, out) => {
      const added = await replenishKeys(ctx);
      out.result(`uploaded ${plural(added.preKeys, 'EC one-time prekey')} and ${plural(added.pqPreKeys, 'Kyber one-time prekey')}`, {
        added,
      });
    }),
  );

const rotate = () =>
  new Command('rotate').description('replace the signed prekey and the Kyber last-resort prekey').action(
    deviceAction(async (ctx, out) => {
      const upload = await ctx.exclusive(() => rotateSignedKeys(ctx.store));
      await ctx.client.uploadKeys(upload);
      const ids = { signedPreKeyId: upload.signedPreKey!.keyId, pqLastResortPreKeyId: upload.pqLastResortPreKey!.keyId };
      out.result(`new signed prekey ${ids.signedPreKeyId} and Kyber last-resort prekey ${ids.pqLastResortPreKeyId}`, ids);
    }),
  );

export const keysCommand = () =>
  new Command('keys')
    .description("show this device's prekey counts, replenish one-time keys, or rotate signed keys")
    .addCommand(showCounts(), { isDefault: true })
    .addCommand(replenish())
    .addCommand(rotate());
