import { Command } from 'commander';
import { deviceAction } from '../command-action';
import { formatDeviceChange, formatSendReport } from '../messaging/format';
import { sendText } from '../messaging/sender';
import { parseRecipient } from './recipient';

export const sendCommand = () =>
  new Command('send')
    .description(
      "send a message to every device of <user>, with copies to this account's other devices; refuses (exit 7) when <user>'s devices do not match their signed device list",
    )
    .argument('<user>', 'the recipient: bob, or bob@other.example on another server', parseRecipient)
    .argument('<text...>', 'the message (several words are joined with spaces)')
    .action(
      deviceAction(async (ctx, out, [to, ...words]) => {
        const report = await sendText(ctx, to, words.join(' '));
        if (!out.json) for (const change of report.deviceChanges ?? []) out.note(`· ${formatDeviceChange(change)}`);
        out.result(formatSendReport(report), report);
      }),
    );
