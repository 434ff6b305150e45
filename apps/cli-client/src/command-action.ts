import type { Command } from 'commander';
import { RealtimeClosedError } from '@parley/protocol';
import { deviceRemovedError } from './cli-error';
import { DeviceContext, GlobalOptions, openDevice } from './profile/device-context';
import { Output } from './output';

type Handler<O> = (ctx: DeviceContext, out: Output, args: string[], options: O & GlobalOptions) => Promise<void>;

/**
 * Adapts a handler to commander's action signature (the arguments, then the
 * options, then the command) for commands that work on an existing device:
 * opens the profile, runs the handler, keeps a new --server once it worked,
 * and saves and unlocks the profile even when the handler fails. A
 * `readOnly` command (it only reads the profile, and asks no server) takes
 * no lock, so it also works while `chat` holds the profile.
 */
export function deviceAction<O extends object = object>(handler: Handler<O>, { readOnly = false } = {}) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const args = params.slice(0, -2).flat() as string[];
    const options = command.optsWithGlobals<O & GlobalOptions>();
    const ctx = await openDevice(options, { readOnly });
    try {
      await handler(ctx, new Output(Boolean(options.json)), args, options);
      if (!readOnly) ctx.keepServer();
    } catch (error) {
      if (error instanceof RealtimeClosedError && error.reason === 'device_removed') {
        throw deviceRemovedError(ctx.profile.username, ctx.profile.deviceId, ctx.location.name);
      }
      throw error;
    } finally {
      if (!readOnly) await ctx.close();
    }
  };
}
