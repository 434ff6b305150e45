import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttachmentPointer } from '@parley/protocol';
import { startServer, TestServer } from '../../../test/support/server';
import { downloadAttachment, uploadAttachment } from '../src/messaging/attachments';
import { DeviceContext, openDevice } from '../src/profile/device-context';
import { CliDevice, cliEnv, PASSPHRASE, tempHome } from './cli-runner';

/**
 * The CLI's attachment functions on profiles registered by the built
 * `parley`, against a real server: what `send --file` uploads, the
 * recipient saves unchanged, and refuses anything that does not match the
 * pointer, writing nothing.
 */
describe('CLI attachments (uploadAttachment, downloadAttachment)', () => {
  let server: TestServer;
  let home: ReturnType<typeof tempHome>;
  let alice: DeviceContext;
  let bob: DeviceContext;
  let downloads: string;
  let file: Buffer;
  let pointer: AttachmentPointer;

  beforeAll(async () => {
    server = await startServer();
    home = tempHome();
    const env = cliEnv(home.home, server.url);
    await Promise.all([new CliDevice('alice', env).json('register', 'alice'), new CliDevice('bob', env).json('register', 'bob')]);
    Object.assign(process.env, { PARLEY_HOME: home.home, PARLEY_PASSPHRASE: PASSPHRASE });
    [alice, bob] = await Promise.all([openDevice({ profile: 'alice' }), openDevice({ profile: 'bob' })]);
    downloads = mkdtempSync(join(home.home, 'downloads-'));
    file = randomBytes(10 * 1024 * 1024);
    writeFileSync(join(home.home, 'report.pdf'), file);
    pointer = await uploadAttachment(alice, join(home.home, 'report.pdf'));
  });
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.stop();
    home?.remove();
  });
  const downloaded = () => readdirSync(downloads).sort();

  it('uploads a sealed file and names it by its base name', () => {
    expect(pointer).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      key: expect.any(String),
      digest: expect.any(String),
      size: file.length,
      name: 'report.pdf',
    });
  });

  it('saves the file for the recipient, and never over an existing one', async () => {
    const first = await downloadAttachment(bob, pointer, downloads);
    const second = await downloadAttachment(bob, pointer, downloads);
    expect([first, second]).toEqual([join(downloads, 'report.pdf'), join(downloads, 'report (1).pdf')]);
    expect(readFileSync(first).equals(file)).toBe(true);
    expect(readFileSync(second).equals(file)).toBe(true);
    rmSync(second);
  });

  it.each([
    ['a path in the name', { name: '../../.bashrc' }, /not a plain file name/],
    ['an absolute path', { name: '/etc/passwd' }, /not a plain file name/],
    ['a Windows path', { name: '..\\evil.exe' }, /not a plain file name/],
    ['a hidden file', { name: '.profile' }, /not a plain file name/],
    ['a control character', { name: 'a\nb.txt' }, /not a plain file name/],
    ['another digest', { digest: Buffer.alloc(32).toString('base64') }, /does not match its digest/],
    ['another key', { key: randomBytes(32).toString('base64') }, /does not decrypt/],
    ['another size', { size: 1 }, /sender stated 1/],
  ])('refuses %s and writes nothing', async (_name, change, message) => {
    const before = downloaded();
    await expect(downloadAttachment(bob, { ...pointer, ...change }, downloads)).rejects.toThrow(message);
    expect(downloaded()).toEqual(before);
  });
});
