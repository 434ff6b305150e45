import type { Incoming } from './receiver';

const clock = (timestamp: number) => new Date(timestamp).toTimeString().slice(0, 8);

/** How a received message reads in a terminal: time, who, which device, text. */
export function formatIncoming(message: Incoming): string {
  const at = `[${clock(message.timestamp)}]`;
  if (message.kind === 'undecryptable') {
    return `${at} ! could not decrypt a message from ${message.from} (device ${message.fromDeviceId}): ${message.reason}`;
  }
  if (message.outgoing) return `${at} you (device ${message.fromDeviceId}) → ${message.conversation}: ${message.text}`;
  return `${at} ${message.from} (device ${message.fromDeviceId}): ${message.text}`;
}
