import { Limits } from '@parley/protocol';
import { decodedLength } from '../../common/base64-key.validator';
import { BASE64_CONTENT, CIPHERTEXT_TYPES, MAX_DEVICE_ID, SocketSendDto } from './send-messages.dto';

const SEND_FIELDS: ReadonlySet<string> = new Set(['destination', 'timestamp', 'online', 'urgent', 'idempotencyKey', 'messages']);
const MESSAGE_FIELDS: ReadonlySet<string> = new Set(['destinationDeviceId', 'destinationRegistrationId', 'type', 'content']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
const hasOnly = (value: Record<string, unknown>, fields: ReadonlySet<string>) => Object.keys(value).every((k) => fields.has(k));
const isIntIn = (value: unknown, min: number, max: number) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const isOptional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value);

function isWellFormedMessage(value: unknown): boolean {
  if (!isRecord(value) || !hasOnly(value, MESSAGE_FIELDS)) return false;
  const { destinationDeviceId, destinationRegistrationId, type, content } = value;
  return (
    isIntIn(destinationDeviceId, 1, MAX_DEVICE_ID) &&
    isIntIn(destinationRegistrationId, Limits.registrationIdMin, Limits.registrationIdMax) &&
    CIPHERTEXT_TYPES.includes(type as number) &&
    typeof content === 'string' &&
    BASE64_CONTENT.test(content) &&
    decodedLength(content) <= Limits.maxContentBytes
  );
}

/**
 * The socket `send` payload when it is plainly valid, else null. The
 * validation pipe (class-transformer and class-validator) costs about
 * 30 µs per send, 9 % of the server's CPU at the maximum message rate
 * (docs/BENCHMARKS.md, session 5); this check costs about 1 µs. It accepts
 * only what SocketSendDto accepts, and is stricter where that is simpler
 * (no nulls for optional fields), so everything it refuses goes through
 * the pipe, which decides and words the error as before.
 * well-formed-send.spec.ts holds the two to the same answers.
 */
export function wellFormedSend(payload: unknown): SocketSendDto | null {
  if (!isRecord(payload) || !hasOnly(payload, SEND_FIELDS)) return null;
  const { destination, timestamp, online, urgent, idempotencyKey, messages } = payload;
  const valid =
    typeof destination === 'string' &&
    isIntIn(timestamp, 0, Number.MAX_SAFE_INTEGER) &&
    isOptional(online, (v) => typeof v === 'boolean') &&
    isOptional(urgent, (v) => typeof v === 'boolean') &&
    isOptional(idempotencyKey, (v) => typeof v === 'string' && Limits.idempotencyKeyPattern.test(v)) &&
    Array.isArray(messages) &&
    messages.length <= MAX_DEVICE_ID &&
    messages.every(isWellFormedMessage) &&
    new Set(messages.map((m: { destinationDeviceId: number }) => m.destinationDeviceId)).size === messages.length;
  return valid ? (payload as unknown as SocketSendDto) : null;
}
