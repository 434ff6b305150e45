/** What a line typed in `chat` asks for. */
export type ChatInput =
  | { kind: 'text'; text: string }
  | { kind: 'msg'; to: string; text: string }
  | { kind: 'history'; limit?: number }
  | { kind: 'fingerprint' }
  | { kind: 'verify'; confirm: boolean }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'usage'; message: string };

export const CHAT_HELP = [
  '/msg <user> <text>  send to someone else without leaving this chat',
  '/history [n]        the last n messages of this conversation (default 20)',
  '/fingerprint        the safety number with this person, and whether you verified it',
  '/verify [confirm]   show the safety number; with confirm, mark this person verified',
  '/quit               leave (also Ctrl-D, or Ctrl-C on an empty line)',
  '/help               this list',
  '//text              send "/text" as a message',
];

/**
 * Reads one typed line (already trimmed and non-empty). A line starting
 * with `/` is a command and never sent; `//` escapes a message that starts
 * with a slash.
 */
export function parseChatInput(line: string): ChatInput {
  if (line.startsWith('//')) return { kind: 'text', text: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'text', text: line };
  const [command, ...args] = line.slice(1).split(/\s+/);
  switch (command) {
    case 'msg': {
      const [to, ...words] = args;
      const text = words.join(' ');
      return to && text ? { kind: 'msg', to, text } : { kind: 'usage', message: 'usage: /msg <user> <text>' };
    }
    case 'history': {
      if (args.length === 0) return { kind: 'history' };
      const limit = Number(args[0]);
      return Number.isInteger(limit) && limit > 0
        ? { kind: 'history', limit }
        : { kind: 'usage', message: 'usage: /history [n], n a positive number' };
    }
    case 'fingerprint':
      return { kind: 'fingerprint' };
    case 'verify':
      return { kind: 'verify', confirm: args[0] === 'confirm' };
    case 'help':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    default:
      return { kind: 'usage', message: `unknown command /${command}; /help lists them (start with // to send a line beginning with /)` };
  }
}
