import { Command } from 'commander';
import type { PushSubscriptionStatus } from '@parley/protocol';
import { deviceAction } from '../command-action';

const when = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString());

function describeStatus(status: PushSubscriptionStatus): string {
  const state = status.droppedAt === null ? 'live' : `dropped ${when(status.droppedAt)}: the push service said it is gone; register again`;
  const failure = status.lastFailureAt === null ? 'never' : `${when(status.lastFailureAt)} (${status.lastFailureStatus ?? 'no answer'})`;
  return [
    `endpoint      ${status.endpoint}`,
    `state         ${state}`,
    `registered    ${when(status.createdAt)}`,
    `last wake-up  ${when(status.lastSuccessAt)}`,
    `last failure  ${failure}`,
  ].join('\n');
}

const showStatus = () =>
  new Command('status').description("this device's push subscription and what its push service last answered").action(
    deviceAction(async (ctx, out) => {
      const status = await ctx.client.pushSubscriptionStatus();
      if (!status) out.result('no push subscription: this device is not woken while it is offline', { subscription: null });
      else out.result(describeStatus(status), { subscription: status });
    }),
  );

/**
 * A terminal cannot receive Web Push itself: this takes a subscription
 * made elsewhere (a UnifiedPush distributor, a test push service), so
 * that the server wakes that endpoint for this device.
 */
const register = () =>
  new Command('register')
    .description('register a Web Push subscription for this device (from a UnifiedPush distributor or a test push service)')
    .argument('<endpoint>', 'the https:// endpoint URL')
    .requiredOption('--p256dh <key>', "base64url of the subscription's 65-byte P-256 public key")
    .requiredOption('--auth <secret>', 'base64url of its 16-byte authentication secret')
    .action(
      deviceAction<{ p256dh: string; auth: string }>(async (ctx, out, [endpoint], options) => {
        const status = await ctx.client.registerPushSubscription({ endpoint, keys: { p256dh: options.p256dh, auth: options.auth } });
        out.result(`registered; the server wakes this endpoint while the device is offline\n${describeStatus(status)}`, {
          subscription: status,
        });
      }),
    );

const remove = () =>
  new Command('remove').description("remove this device's push subscription").action(
    deviceAction(async (ctx, out) => {
      await ctx.client.removePushSubscription();
      out.result('push subscription removed', { subscription: null });
    }),
  );

export const pushCommand = () =>
  new Command('push')
    .description("show, register or remove this device's push wake-up subscription")
    .addCommand(showStatus(), { isDefault: true })
    .addCommand(register())
    .addCommand(remove());
