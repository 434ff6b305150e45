import { parseAddress } from '@parley/protocol';
import { CliError, ExitCode } from '../cli-error';
import type { DeviceContext } from '../profile/device-context';

/**
 * The one name a peer's sessions, history and outbox entries go by: the
 * name the server gives senders in `envelope.source`, which is the bare
 * username for a user of this server and `user@domain` for a federated
 * one. `bob` and `bob@<own domain>` (in any case) are one peer; naming
 * them apart would start a second session that bob's replies never use.
 */
export function peerAddress(ctx: DeviceContext, user: string): string {
  const parsed = parseAddress(user);
  if (!parsed) throw new CliError(`not a user address: ${user}`, ExitCode.Usage);
  const local = parsed.domain === null || parsed.domain === ctx.profile.domain.toLowerCase();
  return local ? parsed.username : `${parsed.username}@${parsed.domain}`;
}
