import 'reflect-metadata';
import { Limits } from '@parley/protocol';
import { createValidationPipe } from '../../common/validation.pipe';
import { SocketSendDto } from './send-messages.dto';
import { wellFormedSend } from './well-formed-send';

const message = (deviceId = 1) => ({ destinationDeviceId: deviceId, destinationRegistrationId: 4711, type: 2, content: 'AAAA' });
const valid = () => ({ destination: 'bob', timestamp: 1_763_800_000_000, messages: [message(1), message(2)] });

/** Values tried in place of every field, after the bad-input e2e test's list. */
const oddValues: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  -0,
  '',
  'x',
  'A'.repeat(10_000),
  [],
  [{}],
  {},
  { a: { b: [] } },
  '\u0000',
  'ünïcödé',
  1,
  2,
  8,
  127,
  128,
  Limits.registrationIdMax,
  Limits.registrationIdMax + 1,
];

/** JSON with every object's keys sorted: the pipe builds its DTO in the class's field order. */
const canonical = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

const pipe = createValidationPipe();
/** The pipe's verdict: the validated value, or null when it refuses. */
const pipeAccepts = (payload: unknown) => pipe.transform(payload, { type: 'body', metatype: SocketSendDto }).then(canonical, () => null);

/** Every payload the comparison runs: each field of the send and of its first message replaced by each odd value, and more. */
function payloads(): [string, unknown][] {
  const cases: [string, unknown][] = [['valid', valid()]];
  for (const field of ['destination', 'timestamp', 'online', 'urgent', 'idempotencyKey', 'messages', 'extra'])
    for (const value of oddValues) cases.push([`${field}=${String(value).slice(0, 20)}`, { ...valid(), [field]: value }]);
  for (const field of ['destinationDeviceId', 'destinationRegistrationId', 'type', 'content', 'extra'])
    for (const value of oddValues)
      cases.push([`messages.0.${field}=${String(value).slice(0, 20)}`, { ...valid(), messages: [{ ...message(), [field]: value }] }]);
  const maxBase64 = (Math.ceil(Limits.maxContentBytes / 3) + 1) * 4;
  cases.push(
    ['optional fields set', { ...valid(), online: true, urgent: false, idempotencyKey: 'k_1-A' }],
    ['idempotencyKey too long', { ...valid(), idempotencyKey: 'k'.repeat(65) }],
    ['a device addressed twice', { ...valid(), messages: [message(1), message(1)] }],
    ['no messages', { ...valid(), messages: [] }],
    ['127 messages', { ...valid(), messages: Array.from({ length: 127 }, (_, i) => message(i + 1)) }],
    ['128 messages', { ...valid(), messages: Array.from({ length: 128 }, (_, i) => message((i % 127) + 1)) }],
    [
      'content of exactly the maximum',
      { ...valid(), messages: [{ ...message(), content: Buffer.alloc(Limits.maxContentBytes).toString('base64') }] },
    ],
    [
      'content one byte over',
      { ...valid(), messages: [{ ...message(), content: Buffer.alloc(Limits.maxContentBytes + 1).toString('base64') }] },
    ],
    ['unpadded content over', { ...valid(), messages: [{ ...message(), content: 'A'.repeat(maxBase64 - 1) }] }],
    ['content not base64', { ...valid(), messages: [{ ...message(), content: 'AA-A' }] }],
    ['a message that is an array', { ...valid(), messages: [[message()]] }],
    ['an array', [valid()]],
    ['a string', 'send'],
    ['null', null],
    ['a class instance', Object.assign(new (class Payload {})(), valid())],
    ['nested deep', { ...valid(), messages: [JSON.parse('['.repeat(100) + ']'.repeat(100))] }],
  );
  return cases;
}

describe('wellFormedSend', () => {
  it('passes a plainly valid send through as it is', () => {
    const payload = valid();
    expect(wellFormedSend(payload)).toBe(payload);
  });

  it.each([
    ['null for an optional field (the pipe decides)', { ...valid(), online: null }],
    ['an unknown field (the pipe words the error)', { ...valid(), sneaky: true }],
    ['a device addressed twice', { ...valid(), messages: [message(1), message(1)] }],
  ])('leaves to the pipe: %s', (_, payload) => {
    expect(wellFormedSend(payload)).toBeNull();
  });

  it('accepts only what the validation pipe accepts, with the same value', async () => {
    const disagreements: string[] = [];
    let accepted = 0;
    for (const [name, payload] of payloads()) {
      const fast = wellFormedSend(payload);
      if (fast === null) continue;
      accepted++;
      const checked = await pipeAccepts(payload);
      if (checked !== canonical(fast)) disagreements.push(name);
    }
    expect(disagreements).toEqual([]);
    // The fast path must be worth having: it takes the ordinary sends.
    expect(accepted).toBeGreaterThan(20);
  });
});
