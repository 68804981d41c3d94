import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../../testing/require-program.js';
import { runDriverContract } from '../backup.contract.js';
import { createFilesDriver } from './index.js';
import { readTarGz } from './tar-reader.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every path below `root` with its type, mode and content hash (or link target). */
async function fingerprint(root: string, prefix = ''): Promise<string> {
  const lines: string[] = [];
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const path = join(root, rel);
    const info = await lstat(path);
    if (info.isSymbolicLink()) lines.push(`${rel} -> ${await readlink(path)}`);
    else if (info.isDirectory()) lines.push(`${rel}/ ${(info.mode & 0o777).toString(8)}`, await fingerprint(root, rel));
    else lines.push(`${rel} ${(info.mode & 0o777).toString(8)} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
  }
  return lines.filter(Boolean).join('\n');
}

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'a/b/c'), { recursive: true });
  await mkdir(join(root, 'empty-dir'));
  await mkdir(join(root, 'cache/deep'), { recursive: true });
  await writeFile(join(root, 'top.txt'), 'top\n');
  await writeFile(join(root, 'a/b/c/deep.bin'), Buffer.alloc(300_000, 7));
  await writeFile(join(root, 'a/empty.txt'), '');
  await writeFile(join(root, 'a/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  await writeFile(join(root, 'a/debug.log'), 'excluded');
  await writeFile(join(root, 'cache/deep/x'), 'excluded');
  await symlink('a/b/c/deep.bin', join(root, 'link'));
}

runDriverContract('files', () => dir, async () => {
  const source = join(dir, 'uploads');
  await makeTree(source);
  let n = 0;
  return {
    source: { files: { path: './uploads', exclude: ['*.log', 'cache'] } },
    broken: { files: { path: './no-such-dir' } },
    location: source,
    // Excluded paths are not in the backup: compare without them.
    fingerprint: async (target) => (await fingerprint(target)).split('\n').filter((l) => !/debug\.log|^cache/.test(l)).join('\n'),
    emptyTarget: async () => join(dir, `restored-${++n}`),
    mutate: async () => {
      await writeFile(join(source, 'top.txt'), 'changed\n');
      await writeFile(join(source, 'new.txt'), 'new\n');
      await rm(join(source, 'a/b'), { recursive: true });
    },
    cleanup: async () => undefined,
  };
});

describe('files driver', () => {
  it('leaves excluded paths out of the archive', async () => {
    const source = join(dir, 'excl');
    await makeTree(source);
    const driver = createFilesDriver({ path: source, exclude: ['*.log', 'cache'] });
    const dump = await driver.dump({});
    const chunks: Buffer[] = [];
    for await (const chunk of dump.stream) chunks.push(chunk as Buffer);
    await dump.done;
    const target = join(dir, 'excl-restored');
    await driver.restore(() => Promise.resolve(Readable.from([Buffer.concat(chunks)])), target, {});
    const restored = await fingerprint(target);
    expect(restored).not.toMatch(/debug\.log|cache/);
    expect(restored).toMatch(/a\/run\.sh 755/);
    expect(restored).toMatch(/link -> a\/b\/c\/deep\.bin/);
  });

  it.skipIf(requirePrograms('tar').missing)('writes an archive GNU tar extracts to the same tree', async () => {
    const source = join(dir, 'for-gnu-tar');
    await makeTree(source);
    await mkdir(join(source, `${'long-directory-name/'.repeat(6)}`), { recursive: true });
    await writeFile(join(source, `${'long-directory-name/'.repeat(6)}données.txt`), randomBytes(200_000));
    const dump = await createFilesDriver({ path: source }).dump({});
    const chunks: Buffer[] = [];
    for await (const chunk of dump.stream) chunks.push(chunk as Buffer);
    await dump.done;
    const archive = join(dir, 'for-gnu-tar.tar.gz');
    await writeFile(archive, Buffer.concat(chunks));
    const target = join(dir, 'gnu-tar-extracted');
    await mkdir(target);
    await promisify(execFile)(requirePrograms('tar').paths.tar as string, ['-xzf', archive, '-C', target]);
    expect(await fingerprint(target)).toBe(await fingerprint(source));
  });

  it('stops, and says why, when the reader goes away midway', async () => {
    const source = join(dir, 'abandoned');
    await mkdir(source);
    await writeFile(join(source, 'big.bin'), randomBytes(4 * 1024 * 1024));
    const dump = await createFilesDriver({ path: source }).dump({});
    await new Promise((resolve) => dump.stream.once('data', resolve));
    dump.stream.destroy();
    await expect(dump.done).rejects.toThrow(/closed|destroyed/);
  });

  it('refuses an archive entry that points outside the target', async () => {
    const { pack } = await import('tar-stream');
    const { createGzip } = await import('node:zlib');
    const tar = pack();
    tar.entry({ name: '../escape.txt' }, 'x');
    tar.finalize();
    const driver = createFilesDriver({ path: join(dir, 'unused') });
    const target = join(dir, 'hostile');
    await expect(driver.restore(() => Promise.resolve(tar.pipe(createGzip())), target, {})).rejects.toThrow(/outside the target/);
    await expect(readdir(dir)).resolves.not.toContain('escape.txt');
  });

  describe('a damaged archive', () => {
    let whole = Buffer.alloc(0);
    beforeAll(async () => {
      const source = join(dir, 'to-damage');
      await mkdir(source);
      await writeFile(join(source, 'big.bin'), randomBytes(300_000));
      await writeFile(join(source, 'small.txt'), 'small');
      const dump = await createFilesDriver({ path: source }).dump({});
      const chunks: Buffer[] = [];
      for await (const chunk of dump.stream) chunks.push(chunk as Buffer);
      await dump.done;
      whole = Buffer.concat(chunks);
    });
    const damaged: [string, () => Buffer][] = [
      ['truncated in the middle of an entry', () => whole.subarray(0, 1000)],
      ['truncated near its end', () => whole.subarray(0, whole.length - 10)],
      ['not gzip at all', () => Buffer.from('garbage, not an archive\n'.repeat(40))],
      ['gzip of bytes that are not tar', () => gzipSync(randomBytes(4096))],
      ['empty', () => Buffer.alloc(0)],
    ];

    it.each(damaged)('fails inspection, and settles, when %s', async (_what, bytes) => {
      const verdict = await createFilesDriver({ path: '' }).inspect(Readable.from([bytes()]), {});
      expect(verdict.status).toBe('fail');
      expect(verdict.detail).toMatch(/tar listing failed after \d+ entries: \S/);
    });

    it('rejects, instead of waiting forever, when a handler waits for the end of a body the archive cut off', async () => {
      const waitForEnd = async (_header: unknown, body: Readable) => {
        body.resume();
        await new Promise((resolve) => body.once('end', resolve));
      };
      await expect(readTarGz(Readable.from([whole.subarray(0, 1000)]), waitForEnd)).rejects.toThrow(/unexpected end of file/);
    });
  });
});
