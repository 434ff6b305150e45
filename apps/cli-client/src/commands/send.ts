import { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import { uploadAttachment } from '../messaging/attachments';
import { deviceAction } from '../command-action';
import { formatDeviceChange, formatOutboxProblem, formatSendReport } from '../messaging/format';
import { enqueue, flushOutbox, outboxSize } from '../messaging/outbox';
import { parseRecipient } from './recipient';

export const sendCommand = () =>
  new Command('send')
    .description(
      "send a message to every device of <user>, with copies to this account's other devices; refuses (exit 7) when <user>'s devices do not match their signed device list; kept in the outbox when the server cannot be reached",
    )
    .argument('<user>', 'the recipient: bob, or bob@other.example on another server', parseRecipient)
    .argument('[text...]', "the message (several words are joined with spaces; '-' reads it from standard input); a caption with --file")
    .option('--file <path>', 'send a file: encrypted here with a fresh key, uploaded, and fetched and checked by each recipient device')
    // A usage error like a missing argument (exit 2 with the help), before any profile is opened.
    .hook('preAction', (command) => {
      if (command.args.length < 2 && !command.opts<{ file?: string }>().file) {
        command.error('error: nothing to send: give a message, or a file with --file');
      }
    })
    .action(
      deviceAction<{ file?: string }>(async (ctx, out, [to, ...words], options) => {
        const text = words.length === 1 && words[0] === '-' ? await readStandardInput() : words.join(' ');
        if (!text && !options.file) throw new CliError('nothing to send: standard input was empty', ExitCode.Usage);
        // The file goes up first: only its pointer waits in the outbox.
        const attachment = options.file ? await uploadAttachment(ctx, options.file) : undefined;
        // Written down first: whatever happens next, the message is not lost.
        const entry = await enqueue(ctx, to, text, attachment);
        let refused: CliError | undefined;
        await flushOutbox(ctx, (outcome) => {
          if ('sent' in outcome) {
            if (!out.json) for (const change of outcome.sent.deviceChanges ?? []) out.note(`· ${formatDeviceChange(change)}`);
            return out.result(formatSendReport(outcome.sent), outcome.sent);
          }
          if ('dropped' in outcome && outcome.entry.id === entry.id) return void (refused = outcome.dropped);
          const problem = formatOutboxProblem(outcome, outboxSize(ctx));
          if ('kept' in outcome) return out.result(problem, { queued: outboxSize(ctx), error: outcome.kept.message });
          out.note(problem);
        });
        if (refused) throw refused;
      }),
    );

/** `parley send bob - < notes.txt`: the whole of standard input is one message, without its final newline. */
async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
