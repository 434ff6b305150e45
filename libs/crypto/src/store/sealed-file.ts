import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as argon2 from 'argon2';
import { writeFileAtomic } from './atomic-file';

/** Key derivation parameters, stored in the file so they can be raised later without breaking old files. */
interface KdfParams {
  algorithm: 'argon2id';
  salt: string;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

interface SealedFileJson {
  format: 'parley-sealed-file';
  version: 1;
  kdf: KdfParams;
  cipher: { algorithm: 'aes-256-gcm'; iv: string; tag: string };
  ciphertext: string;
}

/** OWASP's argon2id baseline (19 MiB, 2 passes): costly to guess offline, quick enough for every CLI start. */
const DEFAULT_KDF = { memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 };

export class WrongPassphraseError extends Error {
  constructor(path: string) {
    super(`cannot decrypt ${path}: wrong passphrase, or the file was altered`);
    this.name = 'WrongPassphraseError';
  }
}

const deriveKey = (passphrase: string, kdf: KdfParams): Promise<Buffer> =>
  argon2.hash(passphrase, {
    type: argon2.argon2id,
    raw: true,
    hashLength: 32,
    salt: Buffer.from(kdf.salt, 'base64'),
    memoryCost: kdf.memoryCost,
    timeCost: kdf.timeCost,
    parallelism: kdf.parallelism,
  });

/** The KDF header is authenticated data, so nobody can swap in weaker parameters unnoticed. */
const headerAad = (kdf: KdfParams) => Buffer.from(JSON.stringify(kdf));

/**
 * One file encrypted at rest with AES-256-GCM under a key derived from a
 * passphrase. The key is derived once per open; every write uses a fresh IV
 * and goes through writeFileAtomic. Writes are queued so that the last
 * `write` call is the content on disk, whatever their completion order.
 */
export class SealedFile {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly kdf: KdfParams,
    private readonly key: Buffer,
  ) {}

  /** A new file with a fresh salt; nothing is written until `write`. */
  static async create(path: string, passphrase: string): Promise<SealedFile> {
    const kdf: KdfParams = { algorithm: 'argon2id', salt: randomBytes(16).toString('base64'), ...DEFAULT_KDF };
    return new SealedFile(path, kdf, await deriveKey(passphrase, kdf));
  }

  /** Opens and decrypts; throws WrongPassphraseError when authentication fails. */
  static async open(path: string, passphrase: string): Promise<{ file: SealedFile; plaintext: Buffer }> {
    const sealed = JSON.parse(await readFile(path, 'utf8')) as SealedFileJson;
    if (sealed.format !== 'parley-sealed-file' || sealed.version !== 1) throw new Error(`${path} is not a Parley store`);
    const key = await deriveKey(passphrase, sealed.kdf);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.cipher.iv, 'base64'));
    decipher.setAAD(headerAad(sealed.kdf));
    decipher.setAuthTag(Buffer.from(sealed.cipher.tag, 'base64'));
    try {
      const plaintext = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
      return { file: new SealedFile(path, sealed.kdf, key), plaintext };
    } catch {
      throw new WrongPassphraseError(path);
    }
  }

  write(plaintext: Uint8Array): Promise<void> {
    const bytes = this.seal(plaintext);
    const written = this.queue.then(() => writeFileAtomic(this.path, bytes));
    this.queue = written.catch(() => undefined);
    return written;
  }

  private seal(plaintext: Uint8Array): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(headerAad(this.kdf));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const sealed: SealedFileJson = {
      format: 'parley-sealed-file',
      version: 1,
      kdf: this.kdf,
      cipher: { algorithm: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
      ciphertext: ciphertext.toString('base64'),
    };
    return Buffer.from(JSON.stringify(sealed));
  }
}
