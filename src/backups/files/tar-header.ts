/**
 * Tar headers: ustar, with a pax record in front when ustar cannot hold the name or link. The bytes are those
 * tar-stream's pack writes for the same entries (tar-header.test.ts compares them), so archives stay as they were
 * before the writer stopped using it; only a mode of 0 stays 0 where tar-stream wrote 644 or 755.
 */

/** One archive entry's metadata. */
export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits (`& 0o7777`). */
  mode: number;
  mtime: Date;
  /** Body length; 0 for directories and symlinks. */
  size: number;
  linkname?: string;
}

/** A tar block: headers and bodies are padded to a multiple of it. */
export const TAR_BLOCK = 512;

/** Zeros: the end of an archive is two blocks of them, and padding is cut from them. */
const ZEROS = Buffer.alloc(2 * TAR_BLOCK);

/** The two zero blocks that end an archive (shared: never write into it). */
export const END_OF_ARCHIVE: Buffer = ZEROS;

const TYPEFLAG = { file: '0', symlink: '2', directory: '5', pax: 'x' } as const;

/** Zero bytes that pad a body of `size` bytes to a whole block (shared: never write into it). */
export function tarPadding(size: number): Buffer {
  return ZEROS.subarray(0, (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

/** `n` octal digits and a space; a value too large for them is all sevens, as tar-stream writes it. */
function octal(value: number, digits: number): string {
  const text = value.toString(8);
  return text.length > digits ? `${'7'.repeat(digits)} ` : `${text.padStart(digits, '0')} `;
}

/** Splits a long ASCII name into ustar's prefix and name fields; undefined when it does not fit them. */
function ustarName(name: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) !== name.length) return undefined;
  let rest = name;
  let prefix = '';
  while (rest.length > 100) {
    const slash = rest.indexOf('/');
    if (slash === -1) return undefined;
    prefix += prefix ? `/${rest.slice(0, slash)}` : rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  return prefix.length > 155 ? undefined : { name: rest, prefix };
}

function ustarBlock(fields: { name: string; prefix: string; typeflag: string; mode: number; mtime: Date; size: number; linkname?: string }): Buffer {
  const block = Buffer.alloc(TAR_BLOCK);
  block.write(fields.name, 0);
  block.write(octal(fields.mode, 6), 100);
  block.write(octal(0, 6), 108); // uid
  block.write(octal(0, 6), 116); // gid
  if (fields.size.toString(8).length > 11) {
    // Above 8 GiB: base-256, big-endian, flagged by the top bit (GNU and pax readers understand it).
    block[124] = 0x80;
    for (let i = 11, rest = fields.size; i > 0; i--, rest = Math.floor(rest / 256)) block[124 + i] = rest % 256;
  } else block.write(octal(fields.size, 11), 124);
  block.write(octal(Math.max(0, Math.floor(fields.mtime.getTime() / 1000)), 11), 136);
  block.write(fields.typeflag, 156);
  if (fields.linkname) block.write(fields.linkname, 157);
  block.write('ustar\u000000', 257, 'latin1');
  block.write(octal(0, 6), 329); // devmajor
  block.write(octal(0, 6), 337); // devminor
  if (fields.prefix) block.write(fields.prefix, 345);
  let checksum = 8 * 0x20; // the checksum field itself counts as spaces
  for (let i = 0; i < TAR_BLOCK; i++) if (i < 148 || i >= 156) checksum += block[i] as number;
  block.write(octal(checksum, 6), 148);
  return block;
}

/** A pax record: `LENGTH key=value\n`, where LENGTH counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const length = Buffer.byteLength(body);
  let digits = String(length).length;
  if (length + digits >= 10 ** digits) digits++;
  return `${length + digits}${body}`;
}

/** The bytes that introduce `entry` in an archive: its header block, preceded by a pax header when needed. */
export function tarHeader(entry: TarEntry): Buffer {
  const { mode, mtime, size } = entry;
  const typeflag = TYPEFLAG[entry.type];
  const split = ustarName(entry.name);
  const linkFits = !entry.linkname || Buffer.byteLength(entry.linkname) <= 100;
  if (split && linkFits) return ustarBlock({ ...split, typeflag, mode, mtime, size, linkname: entry.linkname });
  const pax = Buffer.from(paxRecord('path', entry.name) + (entry.linkname ? paxRecord('linkpath', entry.linkname) : ''));
  const linkname = entry.linkname ? 'PaxHeader' : undefined;
  return Buffer.concat([
    ustarBlock({ name: 'PaxHeader', prefix: '', typeflag: TYPEFLAG.pax, mode, mtime, size: pax.length, linkname }),
    pax,
    tarPadding(pax.length),
    ustarBlock({ name: 'PaxHeader', prefix: '', typeflag, mode, mtime, size, linkname }),
  ]);
}
