import { parseChatInput } from './chat-input';

describe('parseChatInput', () => {
  it.each([
    ['plain text', 'hi bob', { kind: 'text', text: 'hi bob' }],
    ['an escaped slash', '//help is not a command', { kind: 'text', text: '/help is not a command' }],
    ['/msg', '/msg carol see you at 5', { kind: 'msg', to: 'carol', text: 'see you at 5' }],
    ['/msg without text', '/msg carol', { kind: 'usage', message: 'usage: /msg <user> <text>' }],
    ['/history', '/history', { kind: 'history' }],
    ['/history n', '/history 5', { kind: 'history', limit: 5 }],
    ['/history with a bad n', '/history lots', { kind: 'usage', message: 'usage: /history [n], n a positive number' }],
    ['/fingerprint', '/fingerprint', { kind: 'fingerprint' }],
    ['/verify', '/verify', { kind: 'verify', confirm: false }],
    ['/verify confirm', '/verify confirm', { kind: 'verify', confirm: true }],
    ['/help', '/help', { kind: 'help' }],
    ['/quit', '/quit', { kind: 'quit' }],
  ])('reads %s', (_case, line, expected) => {
    expect(parseChatInput(line)).toEqual(expected);
  });

  it('never sends an unknown command', () => {
    expect(parseChatInput('/shrug')).toEqual({ kind: 'usage', message: expect.stringMatching(/^unknown command \/shrug; \/help/) });
  });
});
