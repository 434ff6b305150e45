import type { DeviceChange } from '../profile/device-context';
import type { Incoming } from './receiver';
import type { SendReport } from './sender';

const clock = (timestamp: number) => new Date(timestamp).toTimeString().slice(0, 8);

/** How a received message reads in a terminal: time, who, which device, text. */
export function formatIncoming(message: Incoming): string {
  const at = `[${clock(message.timestamp)}]`;
  const sender = `${message.from} (device ${message.fromDeviceId})`;
  if (message.kind === 'undecryptable') {
    const asked = message.resendRequested ? 'asked them to resend' : `could not ask them to resend (${message.reason})`;
    return `${at} ! could not decrypt a message from ${sender}; ${asked}`;
  }
  if (message.kind === 'resend-request') {
    const what = `your message of ${clock(message.request.timestamp)}`;
    const answer = message.resent ? 'sent it again over a new session' : 'it is no longer kept here; started a new session';
    return `${at} · ${sender} could not decrypt ${what}; ${answer}`;
  }
  if (message.outgoing) return `${at} you (device ${message.fromDeviceId}) → ${message.conversation}: ${message.text}`;
  return `${at} ${message.from} (device ${message.fromDeviceId}): ${message.text}`;
}

/** What a send reached: the server has queued it for each device listed. */
export function formatSendReport(report: SendReport): string {
  const plural = (ids: number[]) => `device${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`;
  const copies = report.syncedDevices.length ? `, copies to your ${plural(report.syncedDevices)}` : '';
  const syncError = report.syncError ? ` (not copied to your other devices: ${report.syncError})` : '';
  return `✓ delivered to ${report.to} (${plural(report.devices)})${copies}${syncError}`;
}

/** A device change in a signed list, e.g. `bob@localhost added device 3 (signed by their account)`. */
export function formatDeviceChange(change: DeviceChange): string {
  const parts = [
    ...(change.added.length ? [`added device ${change.added.join(', ')}`] : []),
    ...(change.removed.length ? [`removed device ${change.removed.join(', ')}`] : []),
  ];
  return `${change.address} ${parts.join(' and ')} (signed by their account identity)`;
}
