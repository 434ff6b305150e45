import { decodePayload, encodePayload, MessagePayload } from './payload';

const bytes = (value: unknown) => new Uint8Array(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

describe('message payloads', () => {
  it.each<[string, MessagePayload]>([
    ['a message', { kind: 'message', text: 'hi' }],
    ['a sync copy', { kind: 'message', text: 'hi', to: 'bob@b.example' }],
    ['a read receipt', { kind: 'receipt', receipt: 'read', timestamps: [1, 2] }],
    ['a typing indicator', { kind: 'typing', typing: 'started' }],
  ])('round-trips %s', (_case, payload) => {
    expect(decodePayload(encodePayload(payload))).toEqual(payload);
  });

  it.each<[string, unknown, MessagePayload]>([
    ['a version 1 message without a kind (older clients)', { v: 1, text: 'old' }, { kind: 'message', text: 'old' }],
    ['bare text from another client', 'just text', { kind: 'message', text: 'just text' }],
    ['a sync copy to something that is not an address', { v: 1, text: 'x', to: '../etc' }, { kind: 'message', text: 'x' }],
    [
      'a receipt with bad timestamps, as text',
      { v: 1, kind: 'receipt', receipt: 'read', timestamps: ['1'] },
      expect.objectContaining({ kind: 'message' }),
    ],
  ])('reads %s', (_case, wire, expected) => {
    expect(decodePayload(bytes(wire))).toEqual(expected);
  });
});
