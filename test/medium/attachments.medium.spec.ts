import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ErrorCode } from '@parley/protocol';
import { AttachmentExpiryService } from '../../apps/server/src/attachments/attachment-expiry.service';
import { AttachmentsRepository } from '../../apps/server/src/attachments/attachments.repository';
import { AttachmentsService } from '../../apps/server/src/attachments/attachments.service';
import { BlobDirectory } from '../../apps/server/src/attachments/blob-directory';
import { ManualClock } from '../../apps/server/src/common/clock';
import type { ParleyConfig } from '../../apps/server/src/config/config';
import { useMediumContext } from './medium-context';

const TTL_SECONDS = 3600;

/** Expiry of attachments on a real database and directory, with a clock the test moves. */
describe('attachment expiry (medium)', () => {
  const ctx = useMediumContext();
  const clock = new ManualClock();
  let dir: string;
  let service: AttachmentsService;
  let expiry: AttachmentExpiryService;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-blobs-'));
    const config = { attachmentTtlSeconds: TTL_SECONDS, attachmentMaxBytes: 1000, attachmentQuotaBytes: 10_000 } as ParleyConfig;
    const repository = new AttachmentsRepository(ctx.db);
    const blobs = new BlobDirectory(dir);
    service = new AttachmentsService(config, repository, blobs, ctx.db, clock);
    expiry = new AttachmentExpiryService(repository, blobs, clock);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const upload = async (bytes = 100) => {
    const account = await ctx.newAccount();
    const device = { accountId: account.id, username: account.username, deviceId: 1, sessionId: 'medium' };
    const body = Readable.from([Buffer.alloc(bytes, 7)]);
    return service.upload(device, { contentType: 'application/octet-stream', contentLength: String(bytes), body });
  };
  const fileOf = (id: string) => join(dir, id.slice(0, 2), id);

  it('stops serving an attachment at expiresAt, and the sweep then deletes its file and row', async () => {
    const old = await upload();
    expect(old.expiresAt).toBe(clock.now() + TTL_SECONDS * 1000);
    clock.advance(TTL_SECONDS * 500);
    const young = await upload();

    clock.advance(TTL_SECONDS * 500);
    await expect(service.open(old.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect(existsSync(fileOf(old.id))).toBe(true);

    expect(await expiry.sweep()).toBe(1);
    expect(existsSync(fileOf(old.id))).toBe(false);
    expect(await ctx.db.one('SELECT 1 FROM attachments WHERE id = $1', [old.id])).toBeNull();
    // The younger one is untouched and still served.
    const { stream, size } = await service.open(young.id);
    stream.destroy();
    expect(size).toBe(100);
    expect(await expiry.sweep()).toBe(0);
  });

  it('frees an account’s quota as its attachments expire', async () => {
    const account = await ctx.newAccount();
    const device = { accountId: account.id, username: account.username, deviceId: 1, sessionId: 'medium' };
    const put = () =>
      service.upload(device, { contentType: 'application/octet-stream', contentLength: '1000', body: Readable.from([Buffer.alloc(1000)]) });
    for (let i = 0; i < 10; i++) await put();
    const refused = await put().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: ErrorCode.AttachmentQuotaExceeded, retryAfterMs: TTL_SECONDS * 1000 });
    clock.advance(TTL_SECONDS * 1000);
    await expect(put()).resolves.toMatchObject({ id: expect.any(String) });
  });
});
