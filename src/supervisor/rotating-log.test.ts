import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLogs } from './log-reader.js';
import { formatLogLine } from './log-pipe.js';
import { RotatingLog } from './rotating-log.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-log-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RotatingLog', () => {
  it('rotates by size between whole lines and keeps maxFiles files', async () => {
    const log = new RotatingLog(join(dir, '0.log'), { maxBytes: 100, maxFiles: 3 });
    for (let n = 0; n < 40; n++) log.writeLine(`line ${String(n).padStart(3, '0')} ${'x'.repeat(10)}`);
    await log.close();
    expect((await readdir(dir)).sort()).toEqual(['0.log', '0.log.1', '0.log.2']);
    const files = await Promise.all(['0.log.2', '0.log.1', '0.log'].map((name) => readFile(join(dir, name), 'utf8')));
    for (const text of files) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
      expect(text.endsWith('\n')).toBe(true);
    }
    const kept = files.join('').trimEnd().split('\n');
    // The newest lines survive, in order, none cut in two.
    expect(kept.at(-1)).toBe(`line 039 ${'x'.repeat(10)}`);
    expect(kept.every((line, i) => i === 0 || Number(line.slice(5, 8)) === Number(kept[i - 1]!.slice(5, 8)) + 1)).toBe(true);
  });

  it('writes a line longer than the limit into a file of its own', async () => {
    const log = new RotatingLog(join(dir, '0.log'), { maxBytes: 10, maxFiles: 2 });
    log.writeLine('short');
    log.writeLine('a line far longer than ten bytes');
    await log.close();
    expect(await readFile(join(dir, '0.log'), 'utf8')).toBe('a line far longer than ten bytes\n');
    expect(await readFile(join(dir, '0.log.1'), 'utf8')).toBe('short\n');
  });
});

describe('readLogs', () => {
  it('merges the tails of all instances by time and reaches into rotated files', async () => {
    const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
    const first = new RotatingLog(join(dir, '0.log'), { maxBytes: 80, maxFiles: 3 });
    const second = new RotatingLog(join(dir, '1.log'));
    for (let s = 0; s < 6; s += 2) first.writeLine(formatLogLine('out', `zero ${s}`, at(s)));
    for (let s = 1; s < 6; s += 2) second.writeLine(formatLogLine(s === 5 ? 'err' : 'out', `one ${s}`, at(s)));
    await Promise.all([first.close(), second.close()]);
    const lines = [];
    for await (const line of readLogs(dir, { lines: 5 })) lines.push(line);
    expect(lines.map((l) => `${l.index} ${l.stream} ${l.text}`)).toEqual(['1 out one 1', '0 out zero 2', '1 out one 3', '0 out zero 4', '1 err one 5']);
    expect(lines[0]!.at).toBe('2025-01-01T00:00:01.000Z');
  });

  it('reads nothing for a version without logs', async () => {
    const lines = [];
    for await (const line of readLogs(join(dir, 'missing'), { follow: false })) lines.push(line);
    expect(lines).toEqual([]);
  });
});
