import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { AttachmentClient, AttachmentPointer } from '@parley/protocol';
import { AttachmentIntegrityError, decryptAttachment, encryptAttachment, fromBase64, toBase64 } from '@parley/crypto';
import { CliError, ExitCode } from '../cli-error';
import type { DeviceContext } from '../profile/device-context';

/** Encrypts the file at `path` with a fresh key and uploads the ciphertext; the pointer goes into the message. */
export async function uploadAttachment(ctx: DeviceContext, path: string): Promise<AttachmentPointer> {
  const file = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path} (${error.code ?? error.message})`, ExitCode.NotFound);
  });
  const sealed = encryptAttachment(file);
  const { id } = await new AttachmentClient(ctx.client).upload(sealed.blob);
  return { id, key: toBase64(sealed.key), digest: toBase64(sealed.digest), size: file.length, name: basename(path) };
}

/**
 * Downloads the attachment `pointer` names into `dir` and returns where it
 * was saved. Nothing is written unless the name is a plain file name, the
 * blob matches its digest and decrypts, and the size is the one the sender
 * stated. An existing file is never replaced: the name gets " (1)", " (2)"….
 */
export async function downloadAttachment(ctx: DeviceContext, pointer: AttachmentPointer, dir: string): Promise<string> {
  const name = plainFileName(pointer.name);
  const blob = await new AttachmentClient(ctx.client).download(pointer.id);
  let file: Buffer;
  try {
    file = decryptAttachment(blob, fromBase64(pointer.key), fromBase64(pointer.digest));
  } catch (error) {
    if (!(error instanceof AttachmentIntegrityError)) throw error;
    throw new CliError(`refused attachment ${name}: ${error.message}`, ExitCode.Untrusted);
  }
  if (file.length !== pointer.size) {
    throw new CliError(`refused attachment ${name}: ${file.length} bytes where the sender stated ${pointer.size}`, ExitCode.Untrusted);
  }
  return saveAsNewFile(dir, name, file);
}

/** A sender's file name, only if it names a file in the target directory and nothing else (no path, no hidden file, no control characters). */
function plainFileName(name: string): string {
  const control = [...name].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f');
  const plain = name.length > 0 && Buffer.byteLength(name) <= 255 && !/[/\\]/.test(name) && !name.startsWith('.') && !control;
  if (!plain) throw new CliError(`refused attachment: ${JSON.stringify(name)} is not a plain file name`, ExitCode.Untrusted);
  return name;
}

/**
 * Writes `bytes` to a temporary file in `dir`, fsyncs it, then hard-links it
 * under the first free name: link() fails on an existing name instead of
 * replacing it, so no file is ever overwritten, even by a concurrent save.
 */
async function saveAsNewFile(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const temp = join(dir, `.parley-${randomBytes(8).toString('hex')}.part`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    const extension = extname(name);
    for (let n = 0; ; n++) {
      const candidate = join(dir, n === 0 ? name : `${basename(name, extension)} (${n})${extension}`);
      try {
        await link(temp, candidate);
        return candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } finally {
    await unlink(temp);
  }
}
