import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptAttachment, encryptAttachment } from '@parley/crypto';
import { AttachmentClient, ATTACHMENT_ID_PATTERN, ErrorCode, ParleyClient } from '@parley/protocol';
import { api, newUser, TestDevice } from '../support/fixtures';
import { startServer, TestServer } from '../support/server';

/**
 * Attachments (API.md section 7) against a running server: encrypted blobs
 * in, the same bytes out to any device that knows the id; every refusal
 * answers 4xx with its code and leaves no file behind.
 */
describe('attachments', () => {
  const TTL_SECONDS = 3600;
  let server: TestServer;
  let dir: string;
  let alice: TestDevice;
  let bob: TestDevice;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-attachments-'));
    server = await startServer({ ATTACHMENTS_DIR: dir, ATTACHMENT_TTL_SECONDS: String(TTL_SECONDS) });
    [alice, bob] = await Promise.all([newUser(server), newUser(server)]);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const sdkOf = (device: TestDevice) => new AttachmentClient(new ParleyClient(server.url, device.tokens));
  /** Every file under the attachments directory, uploads in progress included. */
  const storedFiles = () => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const upload = (body: RequestInit['body'], headers: Record<string, string>, token = alice.token) =>
    fetch(`${server.url}/v1/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });
  const octets = { 'content-type': 'application/octet-stream' };

  it('stores a 10 MB encrypted file that another account’s device downloads unchanged', async () => {
    const file = randomBytes(10 * 1024 * 1024);
    const started = performance.now();
    const sealed = encryptAttachment(file);
    const { id, expiresAt } = await sdkOf(alice).upload(sealed.blob);
    const uploaded = performance.now();
    const blob = await sdkOf(bob).download(id);
    const opened = decryptAttachment(blob, sealed.key, sealed.digest);
    const done = performance.now();
    process.stdout.write(
      `10 MB attachment: encrypt+upload ${(uploaded - started).toFixed(0)} ms, download+check+decrypt ${(done - uploaded).toFixed(0)} ms\n`,
    );

    expect(opened.equals(file)).toBe(true);
    expect(id).toMatch(ATTACHMENT_ID_PATTERN);
    expect(expiresAt).toBeGreaterThan(Date.now() + (TTL_SECONDS - 60) * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + TTL_SECONDS * 1000);
    const raw = await fetch(`${server.url}/v1/attachments/${id}`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    expect(raw.headers.get('content-length')).toBe(String(sealed.blob.length));
    await raw.arrayBuffer();
  });

  it('gives every upload a new 128-bit id', async () => {
    const blob = encryptAttachment(Buffer.from('same bytes')).blob;
    const ids = await Promise.all([1, 2, 3].map(() => sdkOf(alice).upload(blob)));
    expect(new Set(ids.map((u) => u.id)).size).toBe(3);
  });

  describe('refuses bad uploads with a code and stores nothing', () => {
    let filesBefore: number;
    beforeEach(() => {
      filesBefore = storedFiles().length;
    });
    afterEach(() => {
      expect(storedFiles()).toHaveLength(filesBefore);
    });

    it.each([
      ['a JSON body', JSON.stringify({ blob: 'AAAA' }), { 'content-type': 'application/json' }, 415, ErrorCode.UnsupportedMediaType],
      ['a text body', 'hello', { 'content-type': 'text/plain' }, 415, ErrorCode.UnsupportedMediaType],
      ['no content type', new Uint8Array([1, 2, 3]), {}, 415, ErrorCode.UnsupportedMediaType],
      ['an empty body', new Uint8Array(0), octets, 400, ErrorCode.ValidationFailed],
    ])('%s', async (_name, body, headers, status, error) => {
      const res = await upload(body, headers);
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error });
    });

    it('a body without Content-Length (chunked): 411', async () => {
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(100));
          controller.close();
        },
      });
      const res = await fetch(`${server.url}/v1/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, ...octets },
        body,
        duplex: 'half',
      });
      expect(res.status).toBe(411);
      expect(await res.json()).toMatchObject({ error: ErrorCode.LengthRequired });
    });

    it('a body that ends before its Content-Length (the client went away): no file is kept', async () => {
      const socket = connect(server.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST /v1/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n` +
          'Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n',
      );
      socket.write(randomBytes(50_000));
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      // The server notices the closed connection, deletes its temporary file and answers nobody.
      for (let i = 0; i < 50 && storedFiles().length !== filesBefore; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    });

    it('no token: 401; an account token: 403', async () => {
      expect((await fetch(`${server.url}/v1/attachments`, { method: 'POST', headers: octets, body: 'x' })).status).toBe(401);
      const res = await upload(new Uint8Array(10), octets, alice.account.tokens.accessToken);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: ErrorCode.DeviceTokenRequired });
    });
  });

  it.each([
    ['an id that is not 32 hex digits', '..%2f..%2fjwt-secret', 400, ErrorCode.ValidationFailed],
    ['an upper-case id', 'A'.repeat(32), 400, ErrorCode.ValidationFailed],
    ['an unknown id', randomBytes(16).toString('hex'), 404, ErrorCode.NotFound],
  ])('downloads refuse %s', async (_name, id, status, error) => {
    const res = await api(server, 'GET', `/v1/attachments/${id}`, undefined, { token: bob.token });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error });
  });

  it('downloads need a device token', async () => {
    const { id } = await sdkOf(alice).upload(new Uint8Array(64));
    expect((await api(server, 'GET', `/v1/attachments/${id}`)).status).toBe(401);
    expect((await api(server, 'GET', `/v1/attachments/${id}`, undefined, { token: bob.account.tokens.accessToken })).status).toBe(403);
  });

  it('documents both routes in the OpenAPI description', async () => {
    const doc = (await api(server, 'GET', '/docs/openapi.json')).body;
    const post = doc.paths['/v1/attachments'].post;
    expect(Object.keys(post.requestBody.content)).toEqual(['application/octet-stream']);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '411', '413', '415', '429']));
    expect(Object.keys(doc.paths['/v1/attachments/{id}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404']),
    );
  });

  describe('bounds', () => {
    const MAX = 1000;
    let tight: TestServer;
    beforeAll(async () => {
      tight = await startServer({
        ATTACHMENTS_DIR: join(dir, 'tight'),
        ATTACHMENT_MAX_BYTES: String(MAX),
        ATTACHMENT_QUOTA_BYTES: String(3 * MAX),
      });
    });
    afterAll(async () => {
      await tight?.stop();
    });
    const sdkOn = (device: TestDevice) => new AttachmentClient(new ParleyClient(tight.url, device.tokens));

    it('refuses a body over ATTACHMENT_MAX_BYTES with 413 before storing it', async () => {
      const carol = await newUser(tight);
      const error = await sdkOn(carol)
        .upload(new Uint8Array(MAX + 1))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 413, error: ErrorCode.AttachmentTooLarge, body: { maxBytes: MAX } });
      await expect(sdkOn(carol).upload(new Uint8Array(MAX))).resolves.toMatchObject({ id: expect.any(String) });
    });

    it('keeps an account within its quota under concurrent uploads, with Retry-After until space frees', async () => {
      const dave = await newUser(tight);
      const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(() => sdkOn(dave).upload(new Uint8Array(MAX))));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
      const res = await fetch(`${tight.url}/v1/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dave.token}`, ...octets },
        body: new Uint8Array(1),
      });
      expect(res.status).toBe(429);
      expect(await res.json()).toMatchObject({ error: ErrorCode.AttachmentQuotaExceeded, quotaBytes: 3 * MAX, usedBytes: 3 * MAX });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(30 * 86400 - 60);
      // The quota is per account: another account still has all of its own.
      await expect(sdkOn(await newUser(tight)).upload(new Uint8Array(MAX))).resolves.toMatchObject({ id: expect.any(String) });
    });
  });
});
