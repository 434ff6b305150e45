import { clearLine, createInterface, cursorTo } from 'node:readline';
import { Command } from 'commander';
import { RealtimeConnection } from '@parley/protocol';
import { describeAuditEntry } from '../audit/describe';
import { deviceAction } from '../command-action';
import { toCliError } from '../cli-error';
import { formatDeviceChange, formatIncoming, formatOutboxProblem, formatSendReport } from '../messaging/format';
import { receiveEnvelope } from '../messaging/inbound';
import { replenishKeys, replenishKeysIfLow } from '../messaging/key-upkeep';
import { peerAddress } from '../messaging/peer-address';
import { enqueue, flushOutbox, outboxSize } from '../messaging/outbox';
import { sendReceipt, sendTyping } from '../messaging/sender';
import { TypingNotifier } from '../messaging/typing';
import type { Output } from '../output';
import type { DeviceContext } from '../profile/device-context';
import { parseRecipient } from './recipient';

/**
 * Prints above the input line: clears what the person is typing, prints,
 * and redraws the prompt with their unfinished text, so incoming messages
 * never garble the line being edited.
 */
function makeShow(out: Output, rl: ReturnType<typeof createInterface>, interactive: boolean) {
  // Output that lands after the input closed (a last message while leaving) gets no prompt after it.
  let inputOpen = true;
  rl.once('close', () => {
    inputOpen = false;
  });
  return (human: string, data: unknown) => {
    if (!interactive || !inputOpen) return out.result(human, data);
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    out.result(human, data);
    rl.prompt(true);
  };
}

interface ChatOptions {
  readReceipts: boolean;
}

async function chat(ctx: DeviceContext, out: Output, peer: string, options: ChatOptions): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY) && !out.json;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  rl.setPrompt(`${ctx.profile.username} → ${peer}> `);
  const show = makeShow(out, rl, interactive);
  const status = (text: string) => show(`· ${text}`, { event: 'status', text });
  const connection = new RealtimeConnection(ctx.profile.server, ctx.client.tokens);
  const { socket } = connection;
  let exitError = null as Error | null; // assigned in a callback: keep TypeScript from narrowing it to null

  connection.on('connected', () => {
    status(`connected as ${ctx.profile.username} (device ${ctx.profile.deviceId}); type a message and press Enter, Ctrl-D to leave`);
    flush(); // what was written while the connection was down
  });
  connection.on('disconnected', (reason) => status(`disconnected (${reason}); reconnecting…`));
  // main.ts prints why, once the chat has wound down.
  connection.on('closed', (error) => {
    exitError = error;
    rl.close();
  });

  // Whether the peer's last typing indicator was `started`: one line per spell of typing, not per indicator.
  let peerTyping = false;
  socket.on('message', async (envelope, ack) => {
    const incoming = await receiveEnvelope(ctx, envelope);
    if (incoming?.kind === 'typing') {
      const started = incoming.typing === 'started';
      const news = incoming.from === peer && started !== peerTyping;
      if (incoming.from === peer) peerTyping = started;
      if (!news) return ack({ ok: true });
    }
    if (incoming?.kind === 'message' && !incoming.outgoing) {
      if (incoming.from === peer) peerTyping = false;
      const receipt = options.readReceipts ? 'read' : 'delivered';
      void sendReceipt(ctx, incoming.from, receipt, [incoming.timestamp]).catch((error) =>
        status(`could not send a ${receipt} receipt to ${incoming.from}: ${toCliError(error).message}`),
      );
    }
    const line = incoming && formatIncoming(incoming);
    if (line) show(line, { event: 'message', ...incoming });
    ack({ ok: true });
  });
  socket.on('keys:low', (counts) => {
    replenishKeys(ctx, counts).then(
      (added) => status(`uploaded ${added.preKeys} EC and ${added.pqPreKeys} Kyber one-time prekeys`),
      (error) => status(`could not replenish prekeys: ${toCliError(error).message}`),
    );
  });
  socket.on('audit', (entry) => show(`· security: ${describeAuditEntry(entry)}`, { event: 'audit', ...entry }));
  socket.on('delivery:failed', (failure) =>
    show(`! delivery to ${failure.destination} failed: ${failure.error}`, { event: 'delivery:failed', ...failure }),
  );

  const typing = new TypingNotifier((state) => void sendTyping(ctx, peer, state).catch(() => undefined));
  if (interactive) process.stdin.on('keypress', () => setImmediate(() => typing.update(rl.line)));

  // Sends go one after another, through the outbox, so they reach the server in the order typed.
  let sending = Promise.resolve();
  const flush = () => {
    sending = sending.then(() =>
      flushOutbox(ctx, (outcome) => {
        if (!('sent' in outcome)) return show(formatOutboxProblem(outcome, outboxSize(ctx)), { event: 'outbox', ...outcome });
        for (const change of outcome.sent.deviceChanges ?? []) show(`· ${formatDeviceChange(change)}`, { event: 'devices', ...change });
        show(formatSendReport(outcome.sent), { event: 'sent', text: outcome.entry.text, ...outcome.sent });
      }).catch((error) => show(`! not sent: ${toCliError(error).message}`, { event: 'error', error: toCliError(error).message })),
    );
  };
  rl.on('line', (line) => {
    const text = line.trim();
    if (!text) return rl.prompt();
    typing.sent();
    sending = sending.then(async () => void (await enqueue(ctx, peer, text)));
    flush();
  });
  // Ctrl-C leaves like Ctrl-D; readline would otherwise only pause the input.
  rl.on('SIGINT', () => rl.close());
  const closed = new Promise<void>((resolve) => rl.once('close', resolve));

  await replenishKeysIfLow(ctx).catch((error) => status(`could not check prekeys: ${toCliError(error).message}`));
  connection.connect();
  if (interactive) rl.prompt();
  await closed;
  if (interactive) process.stdout.write('\n'); // leave the shell prompt its own line
  typing.stop();
  await sending;
  const waiting = outboxSize(ctx);
  if (waiting > 0) out.note(`· ${waiting} message${waiting === 1 ? '' : 's'} kept in the outbox, sent by the next send, inbox or chat`);
  connection.close();
  if (exitError) throw exitError;
}

export const chatCommand = () =>
  new Command('chat')
    .description('talk with <user> interactively: live messages from all their devices, your input line, delivery and read receipts')
    .argument('<user>', 'the other person', parseRecipient)
    .option('--no-read-receipts', 'tell senders only that a message arrived, not that it was shown')
    .action(deviceAction<ChatOptions>(async (ctx, out, [peer], options) => chat(ctx, out, peerAddress(ctx, peer), options)));
