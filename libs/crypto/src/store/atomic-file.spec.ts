import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformFileSync } from '@swc/core';

/**
 * A real crash: a child process rewrites the file in a loop with
 * writeFileAtomic and is SIGKILLed at a random moment. Whatever the moment,
 * the file must hold one complete version.
 */
describe('writeFileAtomic under SIGKILL', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-atomic-'));
    const compiled = transformFileSync(join(__dirname, 'atomic-file.ts'), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    }).code;
    writeFileSync(join(dir, 'atomic-file.js'), compiled);
    writeFileSync(
      join(dir, 'writer.js'),
      `
      const { writeFileAtomic } = require('./atomic-file.js');
      const [target] = process.argv.slice(2);
      const versions = ['a', 'b', 'c'].map((c) => Buffer.alloc(4 << 20, c));
      (async () => {
        process.stdout.write('ready\\n');
        for (let i = 0; ; i++) await writeFileAtomic(target, versions[i % versions.length]);
      })();
    `,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2, 3, 4, 5])('survives kill #%i', async () => {
    const target = join(dir, 'store');
    writeFileSync(target, Buffer.alloc(4 << 20, 'a'));
    const child = spawn(process.execPath, [join(dir, 'writer.js'), target], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 250));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const content = readFileSync(target);
    expect(content.length).toBe(4 << 20);
    expect(['a', 'b', 'c']).toContain(String.fromCharCode(content[0]));
    expect(content.equals(Buffer.alloc(4 << 20, content[0]))).toBe(true);
  });
});
