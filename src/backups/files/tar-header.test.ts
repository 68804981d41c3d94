import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { END_OF_ARCHIVE, TAR_BLOCK, tarHeader, tarPadding, type TarEntry } from './tar-header.js';

/** What tar-stream's pack writes for `entry` with an empty body: the header bytes, then its end-of-archive. */
async function packed(entry: TarEntry): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name: entry.name, type: entry.type, mode: entry.mode, mtime: entry.mtime, size: entry.size, linkname: entry.linkname }, '');
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const mtime = new Date('2026-11-22T10:20:30.456Z');
const deep = `${'segment/'.repeat(14)}file.txt`; // 120 bytes: ustar's prefix field takes the directories

describe('tarHeader', () => {
  it.each<[string, TarEntry]>([
    ['a file', { name: 'a/b.txt', type: 'file', mode: 0o644, mtime, size: 0 }],
    ['a directory', { name: 'a/b', type: 'directory', mode: 0o755, mtime, size: 0 }],
    ['a symlink', { name: 'link', type: 'symlink', mode: 0o777, mtime, size: 0, linkname: 'a/b.txt' }],
    ['a name split into prefix and name', { name: deep, type: 'file', mode: 0o600, mtime, size: 0 }],
    ['a name too long for ustar (pax)', { name: `${'x'.repeat(120)}/${'y'.repeat(120)}`, type: 'file', mode: 0o644, mtime, size: 0 }],
    ['a non-ASCII name (pax)', { name: 'données/été.txt', type: 'file', mode: 0o644, mtime, size: 0 }],
    ['a long link target (pax)', { name: 'link', type: 'symlink', mode: 0o777, mtime, size: 0, linkname: 'z'.repeat(150) }],
  ])('writes %s as tar-stream does', async (_what, entry) => {
    expect(Buffer.concat([tarHeader(entry), END_OF_ARCHIVE]).equals(await packed(entry))).toBe(true);
  });

  it('writes the size of a file above 8 GiB in base-256', () => {
    const header = tarHeader({ name: 'big', type: 'file', mode: 0o644, mtime, size: 2 ** 33 + 5 });
    expect([...header.subarray(124, 136)]).toEqual([0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5]);
  });

  it('pads a body to whole blocks', () => {
    expect(tarPadding(0).length).toBe(0);
    expect(tarPadding(1).length).toBe(TAR_BLOCK - 1);
    expect(tarPadding(TAR_BLOCK).length).toBe(0);
    expect(tarPadding(TAR_BLOCK + 10).length).toBe(TAR_BLOCK - 10);
  });
});
