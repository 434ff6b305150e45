import { clearLine, createInterface, cursorTo } from 'node:readline';
import { Command } from 'commander';
import { RealtimeConnection } from '@parley/protocol';
import { describeAuditEntry } from '../audit/describe';
import { deviceAction } from '../command-action';
import { toCliError } from '../cli-error';
import { parseChatInput } from '../messaging/chat-input';
import { formatDeliveryFailure, formatDeviceChange, formatIncoming, formatOutboxProblem, formatSendReport } from '../messaging/format';
import { isKnownPeer } from '../messaging/history';
import { receiveEnvelope } from '../messaging/inbound';
import { replenishKeys, replenishKeysIfLow } from '../messaging/key-upkeep';
import { LineJoiner } from '../messaging/line-joiner';
import { peerAddress } from '../messaging/peer-address';
import { enqueue, flushOutbox, outboxSize } from '../messaging/outbox';
import type { Incoming } from '../messaging/receiver';
import { sendReceipt, sendTyping } from '../messaging/sender';
import { TypingNotifier } from '../messaging/typing';
import type { Output } from '../output';
import type { DeviceContext } from '../profile/device-context';
import { KeyLogAlarm } from '../trust/key-log';
import { monitorAccount } from '../trust/monitor';
import { Show, runChatCommand } from './chat-commands';

const MONITOR_INTERVAL_MS = 10 * 60_000;
import { parseRecipient } from './recipient';

/**
 * Prints above the input line: clears what the person is typing, prints,
 * and redraws the prompt with their unfinished text, so incoming messages
 * never garble the line being edited.
 */
function makeShow(out: Output, rl: ReturnType<typeof createInterface>, interactive: boolean): Show {
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

/**
 * What a received envelope shows in the chat with `peer`. Typing shows
 * once per spell of typing. A stranger's message (no contact pinned, never
 * written to) is not shown inside this conversation, only announced, and
 * gets a delivery receipt rather than a read one.
 */
function incomingHandler(ctx: DeviceContext, peer: string, options: ChatOptions, show: Show) {
  let peerTyping = false;
  return (incoming: Incoming) => {
    if (incoming.kind === 'typing') {
      const started = incoming.typing === 'started';
      const news = incoming.from === peer && started !== peerTyping;
      if (incoming.from === peer) peerTyping = started;
      if (!news) return;
    }
    if (incoming.kind === 'message' && !incoming.outgoing) {
      if (incoming.from === peer) peerTyping = false;
      const request = incoming.from !== peer && !isKnownPeer(ctx, incoming.from);
      const receipt = options.readReceipts && !request ? 'read' : 'delivered';
      void sendReceipt(ctx, incoming.from, receipt, [incoming.timestamp]).catch((error) =>
        show(`· could not send a ${receipt} receipt to ${incoming.from}: ${toCliError(error).message}`, { event: 'status' }),
      );
      if (request) {
        const text = `new message request from ${incoming.from} (parley history ${incoming.from})`;
        return show(`· ${text}`, { event: 'request', from: incoming.from, text });
      }
    }
    const line = formatIncoming(incoming);
    if (line) show(line, { event: incoming.kind, ...incoming });
  };
}

async function chat(ctx: DeviceContext, out: Output, peer: string, options: ChatOptions): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY) && !out.json;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  rl.setPrompt(`${ctx.profile.username} → ${peer}> `);
  const show = makeShow(out, rl, interactive);
  const status = (text: string) => show(`· ${text}`, { event: 'status', text });
  const connection = new RealtimeConnection(ctx.server, ctx.client.tokens);
  const { socket } = connection;
  let exitError = null as Error | null; // assigned in a callback: keep TypeScript from narrowing it to null

  // Sends go one after another, through the outbox, so they reach the server in the order typed.
  let sending = Promise.resolve();
  const flush = () => {
    sending = sending.then(() =>
      flushOutbox(ctx, (outcome) => {
        if (!('sent' in outcome)) {
          const error = 'kept' in outcome ? outcome.kept : outcome.dropped;
          const data = { event: 'outbox', ...outcome.entry, kept: 'kept' in outcome, error: error.message };
          return show(formatOutboxProblem(outcome, outboxSize(ctx)), data);
        }
        for (const change of outcome.sent.deviceChanges ?? []) show(`· ${formatDeviceChange(change)}`, { event: 'devices', ...change });
        show(formatSendReport(outcome.sent), { event: 'sent', text: outcome.entry.text, ...outcome.sent });
      }).catch((error) => show(`! not sent: ${toCliError(error).message}`, { event: 'error', error: toCliError(error).message })),
    );
  };
  const send = (to: string, text: string) => {
    sending = sending.then(async () => void (await enqueue(ctx, to, text)));
    flush();
  };

  let unreachableShown = false; // once per outage, not at every attempt
  connection.on('unreachable', (reason) => {
    if (!unreachableShown) status(`cannot connect (${reason}); trying again…`);
    unreachableShown = true;
  });
  connection.on('connected', () => {
    unreachableShown = false;
    status(
      `connected as ${ctx.profile.username} (device ${ctx.profile.deviceId}); type a message and press Enter, /help for commands, Ctrl-D to leave`,
    );
    flush(); // what was written while the connection was down
  });
  connection.on('disconnected', (reason) => status(`disconnected (${reason}); reconnecting…`));
  // main.ts prints why, once the chat has wound down.
  connection.on('closed', (error) => {
    exitError = error;
    rl.close();
  });

  const handleIncoming = incomingHandler(ctx, peer, options, show);
  connection.onEnvelope(
    (envelope, ack) =>
      void receiveEnvelope(ctx, envelope).then((incoming) => {
        if (incoming) handleIncoming(incoming);
        ack({ ok: true });
      }),
  );
  socket.on('keys:low', (counts) => {
    replenishKeys(ctx, counts).then(
      (added) => status(`uploaded ${added.preKeys} EC and ${added.pqPreKeys} Kyber one-time prekeys`),
      (error) => status(`could not replenish prekeys: ${toCliError(error).message}`),
    );
  });
  // The key log is checked at start, after every device change the audit log reports, and every 10 minutes.
  const monitor = () =>
    void ctx
      .exclusive(() => monitorAccount(ctx))
      .catch((error) =>
        error instanceof KeyLogAlarm
          ? show(`! security alarm: ${error.message}`, { event: 'alarm', error: error.code, message: error.message })
          : status(`could not check the key log: ${toCliError(error).message}`),
      );
  const monitoring = setInterval(monitor, MONITOR_INTERVAL_MS).unref();
  socket.on('audit', (entry) => {
    show(`· security: ${describeAuditEntry(entry)}`, { event: 'audit', ...entry });
    if (['device_added', 'device_removed', 'account_reset'].includes(entry.kind)) monitor();
  });
  // Acknowledged once shown; the server keeps it until then, so one missed while offline comes on connect.
  socket.on('delivery:failed', (failure, ack) => {
    show(formatDeliveryFailure(failure), { event: 'delivery:failed', ...failure });
    ack({ ok: true });
  });

  const typing = new TypingNotifier((state) => void sendTyping(ctx, peer, state).catch(() => undefined));
  if (interactive) process.stdin.on('keypress', () => setImmediate(() => typing.update(rl.line)));

  const lines = new LineJoiner((typed) => {
    const text = typed.trim();
    if (!text) return rl.prompt();
    const input = text.includes('\n') ? { kind: 'text' as const, text } : parseChatInput(text);
    switch (input.kind) {
      case 'text':
        typing.sent();
        return send(peer, input.text);
      case 'msg':
        return send(input.to, input.text);
      case 'quit':
        return rl.close();
      case 'usage':
        return show(`! ${input.message}`, { event: 'error', error: input.message });
      default:
        void runChatCommand(ctx, peer, input, show).catch((error) =>
          show(`! ${toCliError(error).message}`, { event: 'error', error: toCliError(error).message }),
        );
    }
  });
  rl.on('line', (line) => lines.push(line));
  // Ctrl-C clears a typed line; on an empty line it leaves, like Ctrl-D (readline would only pause the input).
  rl.on('SIGINT', () => {
    if (!rl.line) return rl.close();
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    typing.stop();
  });
  const closed = new Promise<void>((resolve) => rl.once('close', resolve));

  await replenishKeysIfLow(ctx).catch((error) => status(`could not check prekeys: ${toCliError(error).message}`));
  monitor();
  connection.connect();
  if (interactive) rl.prompt();
  await closed;
  clearInterval(monitoring);
  lines.flush();
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
