import type { AuthenticatedDevice } from '../auth/authenticated-user';
import type { SendMessagesDto } from './dto/send-messages.dto';

/** How a send ended: 200 stored (or relayed), 202 accepted for later relay to a peer. */
export interface SendOutcome { status: 200 | 202; body: Record<string, unknown> }

/**
 * Sends to users on other servers. Provided by the federation module when
 * it is loaded; without it, remote addresses are unknown (404).
 */
export interface RemoteMessageRelay {
  relayMessages(sender: AuthenticatedDevice, username: string, domain: string, dto: SendMessagesDto): Promise<SendOutcome>;
}

export const REMOTE_MESSAGE_RELAY = Symbol('REMOTE_MESSAGE_RELAY');
