import { type DeliveryFailed, ErrorCode } from '@parley/protocol';
import { numbered } from '../output';
import type { DeviceChange } from '../profile/device-context';
import type { DeliveryState, HistoryEntry } from './history';
import type { OutboxOutcome } from './outbox';
import type { Incoming, ReceivedMessage } from './receiver';
import type { SendReport } from './sender';

const clock = (timestamp: number) => new Date(timestamp).toTimeString().slice(0, 8);
const localDate = (date: Date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

/** `[10:42:07]` for today, `[2025-12-01 10:42:07]` for any other day. */
export function formatTime(timestamp: number, now = new Date()): string {
  const date = new Date(timestamp);
  const day = localDate(date) === localDate(now) ? '' : `${localDate(date)} `;
  return `[${day}${clock(timestamp)}]`;
}

/**
 * How a received envelope reads in a terminal: time, who, which device,
 * text. Null for what people need not see: a receipt that moved nothing
 * on, a typing indicator that stopped.
 */
export function formatIncoming(message: Incoming): string | null {
  const at = formatTime(message.timestamp);
  const sender = `${message.from} (device ${message.fromDeviceId})`;
  switch (message.kind) {
    case 'undecryptable': {
      const asked = message.resendRequested ? 'asked them to resend' : `could not ask them to resend (${message.reason})`;
      return `${at} ! could not decrypt a message from ${sender}; ${asked}`;
    }
    case 'resend-request': {
      const answer = message.resent ? 'sent it again over a new session' : 'it is no longer kept here; started a new session';
      return `${at} · ${sender} could not decrypt your message of ${formatTime(message.request.timestamp)}; ${answer}`;
    }
    case 'receipt': {
      const how = message.receipt === 'read' ? `read by ${sender}` : `delivered to ${sender}`;
      return message.messages.map((sent) => `${formatTime(sent.timestamp)} ✓✓ ${how}: ${sent.text}`).join('\n') || null;
    }
    case 'typing':
      return message.typing === 'started' ? `· ${message.from} is typing…` : null;
    case 'message': {
      const text = `${message.text}${formatAttachment(message)}`;
      if (message.outgoing) return `${at} you (device ${message.fromDeviceId}) → ${message.conversation}: ${text}`;
      return `${at} ${sender}: ${text}`;
    }
  }
}

const STATE_MARKS: Record<DeliveryState, string> = { sent: '✓ sent', delivered: '✓✓ delivered', read: '✓✓ read' };

/** One message of `parley history`: who wrote it and, for your own, how far it got. */
export function formatHistoryEntry(entry: HistoryEntry, peer: string): string {
  const at = formatTime(entry.timestamp);
  if (!entry.outgoing) return `${at} ${entry.from} (device ${entry.fromDeviceId}): ${entry.text}`;
  const state = entry.state ? `  ${STATE_MARKS[entry.state]}` : '';
  return `${at} you (device ${entry.fromDeviceId}) → ${peer}: ${entry.text}${state}`;
}

/** What a send reached: the home server accepted it for each device listed; receipts say more later. */
export function formatSendReport(report: SendReport): string {
  const copies = report.syncedDevices.length ? `, copies to your ${numbered('device', report.syncedDevices)}` : '';
  const syncError = report.syncError ? ` (not copied to your other devices: ${report.syncError})` : '';
  return `✓ sent to ${report.to} (${numbered('device', report.devices)})${copies}${syncError}`;
}

/** What became of an outbox entry, after `formatSendReport` for the sent ones. */
export function formatOutboxProblem(outcome: Exclude<OutboxOutcome, { sent: SendReport }>, waiting: number): string {
  if ('dropped' in outcome) return `! not sent to ${outcome.entry.to} ("${outcome.entry.text}"): ${outcome.dropped.message}`;
  const count = `${waiting} message${waiting === 1 ? '' : 's'}`;
  return `⧗ not sent yet: ${outcome.kept.message}; ${count} kept in the outbox, sent on reconnect or by the next send, inbox or chat`;
}

/** Why a federated send finally failed, for people; the codes a peer gives as a final refusal (docs/FEDERATION.md) or peer_unavailable. */
const DELIVERY_FAILURE_REASONS: Partial<Record<string, (failure: DeliveryFailed) => string>> = {
  [ErrorCode.PeerUnavailable]: (f) => `${serverOf(f.destination)} could not be reached before the retry window ran out`,
  [ErrorCode.MismatchedDevices]: () => 'their devices changed while it waited; send it again',
  [ErrorCode.StaleDevices]: () => 'one of their devices was reinstalled while it waited; send it again',
  [ErrorCode.UnknownAddress]: (f) => `there is no user ${f.destination.split('@')[0]} on ${serverOf(f.destination)}`,
  [ErrorCode.PayloadTooLarge]: (f) => `${serverOf(f.destination)} refused it as too large`,
};
const serverOf = (address: string) => address.split('@')[1] ?? 'their server';

/**
 * `✗ not delivered to bob@b.example: <why> (your message of [10:42:07])`
 * for a `delivery:failed` notice; a code without wording here is named as
 * their server gave it.
 */
export function formatDeliveryFailure(failure: DeliveryFailed, now = new Date()): string {
  const reason = DELIVERY_FAILURE_REASONS[failure.error]?.(failure) ?? `${serverOf(failure.destination)} refused it (${failure.error})`;
  return `✗ not delivered to ${failure.destination}: ${reason} (your message of ${formatTime(failure.timestamp, now)})`;
}

/** A device change in a signed list, e.g. `bob@localhost added device 3 (signed by their account)`. */
export function formatDeviceChange(change: DeviceChange): string {
  const parts = [
    ...(change.added.length ? [`added device ${change.added.join(', ')}`] : []),
    ...(change.removed.length ? [`removed device ${change.removed.join(', ')}`] : []),
  ];
  return `${change.address} ${parts.join(' and ')} (signed by their account identity)`;
}

/** ` 📎 report.pdf (2.1 MB), saved to …`, or why it could not be saved. */
function formatAttachment({ attachment, savedAs, attachmentError }: ReceivedMessage): string {
  if (!attachment) return '';
  const file = `📎 ${attachment.name} (${formatBytes(attachment.size)})`;
  if (savedAs) return ` ${file}, saved to ${savedAs}`;
  return ` ${file}${attachmentError ? `, not saved: ${attachmentError}` : ''}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
