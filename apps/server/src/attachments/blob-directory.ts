import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A blob fully written to a temporary file, not yet visible under any id. */
export interface ReceivedBlob {
  path: string;
  size: number;
}

/** Thrown while receiving: the body was longer than declared, or ended (the client went away) before it was complete. */
export class IncompleteBlobError extends Error {}

/** How a request body fails when its client disconnects mid-upload. */
const CLIENT_WENT_AWAY = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE']);

/** For `.catch`: a missing file is null, anything else is thrown on. */
const nullIfMissing = (error: NodeJS.ErrnoException): null => {
  if (error.code !== 'ENOENT') throw error;
  return null;
};

/**
 * Attachment bytes as files: `<root>/<first 2 hex digits>/<id>`, and
 * uploads in progress under `<root>/tmp/`, on the same file system so the
 * final rename is atomic. A file appears under its id only whole and
 * fsynced, so nothing half-written is ever served. Processes of one
 * deployment share the directory (docs/OPERATIONS.md).
 */
export class BlobDirectory {
  private readonly temp: string;
  private created?: Promise<unknown>;

  constructor(private readonly root: string) {
    this.temp = join(root, 'tmp');
  }

  /** Streams `body` into a temporary file; exactly `declaredBytes` or IncompleteBlobError, leaving nothing behind. */
  async receive(body: Readable, declaredBytes: number): Promise<ReceivedBlob> {
    await (this.created ??= mkdir(this.temp, { recursive: true, mode: 0o700 }));
    const path = join(this.temp, randomBytes(16).toString('hex'));
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > declaredBytes ? new IncompleteBlobError('the body is longer than its Content-Length') : null, chunk);
      },
    });
    try {
      // flush: fsync before close, so a file renamed into place survives a power loss whole.
      await pipeline(body, counter, createWriteStream(path, { flags: 'wx', mode: 0o600, flush: true }));
      if (size !== declaredBytes) throw new IncompleteBlobError('the body ended before its Content-Length');
    } catch (error) {
      await unlink(path).catch(nullIfMissing);
      throw CLIENT_WENT_AWAY.has((error as NodeJS.ErrnoException).code ?? '')
        ? new IncompleteBlobError('the upload ended before its body was complete')
        : error;
    }
    return { path, size };
  }

  /** Makes a received blob readable under `id` (one atomic rename). */
  async publish(blob: ReceivedBlob, id: string): Promise<void> {
    const dir = join(this.root, id.slice(0, 2));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await rename(blob.path, join(dir, id));
  }

  /** A stream of the blob stored under `id`; null when there is none. The open file survives a concurrent delete. */
  async open(id: string): Promise<Readable | null> {
    const file = await open(this.pathOf(id), 'r').catch(nullIfMissing);
    return file ? file.createReadStream() : null;
  }

  async remove(id: string): Promise<void> {
    await unlink(this.pathOf(id)).catch(nullIfMissing);
  }

  /** Deletes a received blob that will not be published. */
  async discard(blob: ReceivedBlob): Promise<void> {
    await unlink(blob.path).catch(nullIfMissing);
  }

  /** Deletes uploads left behind by a crashed process, once older than `before`. */
  async removeStaleUploads(before: number): Promise<void> {
    const names = (await readdir(this.temp).catch(nullIfMissing)) ?? [];
    for (const name of names) {
      const path = join(this.temp, name);
      const info = await stat(path).catch(nullIfMissing);
      if (info && info.mtimeMs < before) await unlink(path).catch(nullIfMissing);
    }
  }

  private pathOf(id: string): string {
    return join(this.root, id.slice(0, 2), id);
  }
}
