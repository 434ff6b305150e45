import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { sendText } from '../messaging/sender';
import { parseRecipient } from './recipient';

const list = (ids: number[]) => ids.join(', ');

export const sendCommand = () => new Command('send')
  .description("send a message to every device of <user>, with copies to this account's other devices")
  .argument('<user>', 'the recipient: bob, or bob@other.example on another server', parseRecipient)
  .argument('<text...>', 'the message (several words are joined with spaces)')
  .action(deviceAction(async (ctx, out, [to, ...words]) => {
    const report = await sendText(ctx, to, words.join(' '));
    const synced = report.syncedDevices.length ? `; copies to your device(s) ${list(report.syncedDevices)}` : '';
    out.result(`sent to ${to} (device${report.devices.length > 1 ? 's' : ''} ${list(report.devices)})${synced}`, report);
  }));
