import type { Command } from 'commander';
import { DeviceContext, GlobalOptions, openDevice } from './profile/device-context';
import { Output } from './output';

type Handler<O> = (ctx: DeviceContext, out: Output, args: string[], options: O & GlobalOptions) => Promise<void>;

/**
 * Adapts a handler to commander's action signature (the arguments, then the
 * options, then the command) for commands that work on an existing device:
 * opens the profile, runs the handler, saves and unlocks the profile even
 * when the handler fails.
 */
export function deviceAction<O extends object = object>(handler: Handler<O>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const args = params.slice(0, -2).flat() as string[];
    const options = command.optsWithGlobals<O & GlobalOptions>();
    const ctx = await openDevice(options);
    try {
      await handler(ctx, new Output(Boolean(options.json)), args, options);
    } finally {
      await ctx.close();
    }
  };
}
