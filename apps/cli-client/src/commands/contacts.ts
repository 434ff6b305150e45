import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { formatTime } from '../messaging/format';
import { conversationOf, isKnownPeer } from '../messaging/history';
import { peerAddress } from '../messaging/peer-address';
import type { DeviceContext } from '../profile/device-context';
import { contactAddress } from '../trust/contacts';

interface ContactSummary {
  address: string;
  verified: boolean;
  /** They wrote, but this account never wrote back: a message request. */
  request: boolean;
  identityChanged: boolean;
  lastMessage: number | null;
}

/** Everyone this device pinned or exchanged messages with, most recent conversation first. */
function contactSummaries(ctx: DeviceContext): ContactSummary[] {
  const addresses = new Set([
    ...Object.keys(ctx.profile.contacts),
    ...Object.keys(ctx.profile.history ?? {}).map((peer) => contactAddress(ctx, peer)),
  ]);
  addresses.delete(ctx.ownAddress);
  const summaries = [...addresses].map((address): ContactSummary => {
    const record = ctx.profile.contacts[address];
    const peer = peerAddress(ctx, address);
    const last = conversationOf(ctx, peer).at(-1);
    return {
      address,
      verified: record?.verified ?? false,
      request: !isKnownPeer(ctx, peer),
      identityChanged: Boolean(record?.pendingIdentityKey),
      lastMessage: last?.timestamp ?? null,
    };
  });
  return summaries.sort((a, b) => (b.lastMessage ?? 0) - (a.lastMessage ?? 0) || a.address.localeCompare(b.address));
}

function describe(contact: ContactSummary): string {
  const trust = contact.identityChanged
    ? `identity changed (parley trust ${contact.address})`
    : contact.verified
      ? 'verified'
      : contact.request
        ? 'message request (you never wrote to them)'
        : 'not verified';
  const last = contact.lastMessage === null ? 'no messages' : `last message ${formatTime(contact.lastMessage).slice(1, -1)}`;
  return `${contact.address}  ${trust}  ${last}`;
}

export const contactsCommand = () =>
  new Command('contacts').description('list the people this device knows: verified or not, and when you last exchanged a message').action(
    deviceAction(async (ctx, out) => {
      const contacts = contactSummaries(ctx);
      for (const contact of contacts) out.result(describe(contact), contact);
      if (contacts.length === 0 && !out.json) out.note('no contacts yet; `parley send <user> <text>` starts a conversation');
    }),
  );
