import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { PushSubscriptionRequest } from '@parley/protocol';
import { until } from './sockets';

/**
 * A Web Push service on loopback for tests, as web-push's own tests run
 * one: HTTPS with a self-signed certificate (test/support/push-service.*.pem;
 * the server under test trusts it through NODE_EXTRA_CA_CERTS, see
 * `pushServerEnv`). It checks every request as a real push service would
 * (the VAPID token, RFC 8292, against the server's published key) and, as
 * only the device could, decrypts the payload with the subscription's
 * private key (RFC 8291 aes128gcm). Answers are scripted per subscription
 * (201 when nothing is scripted).
 */
export interface ReceivedWakeUp {
  subscription: string;
  /** The decrypted payload. */
  payload: string;
  urgency: string | undefined;
  topic: string | undefined;
  ttl: number;
  /** The VAPID token's claims, after its signature verified. */
  claims: { aud: string; exp: number; sub: string };
  /** What we answered. */
  status: number;
  /** Date.now() when the request arrived. */
  at: number;
}

export const PUSH_SERVICE_CERT = join(__dirname, 'push-service.cert.pem');
const PUSH_SERVICE_KEY = join(__dirname, 'push-service.key.pem');

/** Server env for talking to the test push service: trust its certificate, allow its loopback address. */
export const pushServerEnv = (): Record<string, string> => ({
  NODE_EXTRA_CA_CERTS: PUSH_SERVICE_CERT,
  PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
});

interface Scripted {
  status: number;
  retryAfter?: number;
}

interface TestSubscription {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  script: Scripted[];
}

export class TestPushService {
  readonly received: ReceivedWakeUp[] = [];
  /** Requests that failed a check (a bad VAPID token, an undecryptable body): must stay empty. */
  readonly rejected: string[] = [];
  private readonly subscriptions = new Map<string, TestSubscription>();
  private vapidKey: string | undefined;

  private constructor(private readonly server: Server) {
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = this.answer(request.url ?? '', request.headers, Buffer.concat(chunks));
        response.writeHead(status.status, status.retryAfter !== undefined ? { 'retry-after': String(status.retryAfter) } : {});
        response.end();
      });
    });
  }

  static async start(): Promise<TestPushService> {
    const server = createServer({ cert: readFileSync(PUSH_SERVICE_CERT), key: readFileSync(PUSH_SERVICE_KEY) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TestPushService(server);
  }

  get origin(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The key the server publishes at GET /v1/push/vapid-key: only tokens it signed are accepted. */
  expectVapidKey(publicKey: string) {
    this.vapidKey = publicKey;
  }

  /** A fresh subscription as a browser would hand it to its page. */
  subscribe(): PushSubscriptionRequest & { id: string } {
    const id = randomBytes(8).toString('hex');
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.subscriptions.set(id, { ecdh, auth, script: [] });
    return {
      id,
      endpoint: `${this.origin}/push/${id}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    };
  }

  /** The next answers for a subscription, in order (then 201 again). */
  script(id: string, ...answers: Scripted[]) {
    this.subscriptions.get(id)!.script.push(...answers);
  }

  wakeUpsOf(id: string): ReceivedWakeUp[] {
    return this.received.filter((r) => r.subscription === id);
  }

  async waitFor(id: string, count: number, timeoutMs = 10_000): Promise<ReceivedWakeUp[]> {
    await until(() => this.wakeUpsOf(id).length >= count, timeoutMs, `${count} push requests for ${id}`);
    return this.wakeUpsOf(id);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(url: string, headers: NodeJS.Dict<string | string[]>, body: Buffer): Scripted {
    const at = Date.now();
    const id = /^\/push\/([0-9a-f]+)$/.exec(url)?.[1];
    const subscription = id && this.subscriptions.get(id);
    if (!subscription) return { status: 404 };
    try {
      const claims = this.verifyVapid(String(headers.authorization ?? ''));
      if (headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${String(headers['content-encoding'])}`);
      const payload = decrypt(body, subscription.ecdh, subscription.auth);
      const answer = subscription.script.shift() ?? { status: 201 };
      this.received.push({
        subscription: id,
        payload,
        urgency: headers.urgency as string | undefined,
        topic: headers.topic as string | undefined,
        ttl: Number(headers.ttl),
        claims,
        status: answer.status,
        at,
      });
      return answer;
    } catch (error) {
      this.rejected.push(`${url}: ${(error as Error).message}`);
      return { status: 401 };
    }
  }

  /** RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`; the key must be the server's, the token signed by it and meant for us. */
  private verifyVapid(authorization: string) {
    const fields = Object.fromEntries([...authorization.matchAll(/([tk])=([^,\s]+)/g)].map((m) => [m[1], m[2]]));
    if (!authorization.startsWith('vapid ') || !fields.t || fields.k !== this.vapidKey) throw new Error('not the server VAPID key');
    const [header, claims, signature] = fields.t.split('.');
    const point = Buffer.from(fields.k, 'base64url');
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    const signed = Buffer.from(`${header}.${claims}`);
    if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) {
      throw new Error('bad VAPID signature');
    }
    if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') throw new Error('VAPID alg is not ES256');
    const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString()) as ReceivedWakeUp['claims'];
    const now = Date.now() / 1000;
    if (parsed.aud !== this.origin) throw new Error(`VAPID aud ${parsed.aud}`);
    if (!(parsed.exp > now && parsed.exp <= now + 86_400)) throw new Error(`VAPID exp ${parsed.exp}`);
    if (!/^(mailto:|https:)/.test(parsed.sub)) throw new Error(`VAPID sub ${parsed.sub}`);
    return parsed;
  }
}

/** RFC 8291 with RFC 8188 aes128gcm, one record: the way the device (and nobody else) reads a wake-up. */
function decrypt(body: Buffer, ecdh: ReturnType<typeof createECDH>, auth: Buffer): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20];
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const hkdf = (ikm: Uint8Array, hkdfSalt: Uint8Array, info: Buffer, length: number) =>
    Buffer.from(hkdfSync('sha256', ikm, hkdfSalt, info, length));
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), senderKey]);
  const ikm = hkdf(ecdh.computeSecret(senderKey), auth, keyInfo, 32);
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  const end = padded.lastIndexOf(2); // the last record's delimiter, then zero padding
  return padded.subarray(0, end).toString();
}
