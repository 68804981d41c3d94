import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessLogTail, readTailPosition } from './access-log-tail.js';

describe('AccessLogTail with a position file', () => {
  let dir: string;
  let log: string;
  let position: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'glidepath-tail-'));
    log = join(dir, 'access.log');
    position = join(dir, 'position.json');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts at the end of the log the first time, then where the previous tail stopped: each line counted once', () => {
    writeFileSync(log, 'before 1\nbefore 2\n');
    const first = new AccessLogTail(log, position);
    appendFileSync(log, 'a\nb\n');
    expect(first.read()).toEqual(['a', 'b']);
    // The daemon is gone; nginx goes on logging.
    appendFileSync(log, 'c\nd');
    const second = new AccessLogTail(log, position);
    appendFileSync(log, '\ne\n');
    expect(second.read()).toEqual(['c', 'd', 'e']);
    expect(second.read()).toEqual([]);
  });

  it('saves where it started at once, so the lines logged before the first reading are counted by the next tail', () => {
    writeFileSync(log, 'before\n');
    new AccessLogTail(log, position);
    appendFileSync(log, 'a\n');
    expect(new AccessLogTail(log, position).read()).toEqual(['a']);
  });

  it('reads a log that did not exist when the previous tail started from its start', () => {
    new AccessLogTail(log, position);
    writeFileSync(log, 'first\n');
    expect(new AccessLogTail(log, position).read()).toEqual(['first']);
  });

  it('saves the end of the last whole line, so a line half written when the daemon stopped is read by the next one', () => {
    writeFileSync(log, '');
    const first = new AccessLogTail(log, position);
    appendFileSync(log, 'a\nhalf');
    expect(first.read()).toEqual(['a']);
    expect(readTailPosition(position)?.offset).toBe(2);
    appendFileSync(log, ' done\n');
    expect(new AccessLogTail(log, position).read()).toEqual(['half done']);
  });

  it('reads a log replaced meanwhile (rotated) from its start, and one that shrank below the position too', () => {
    writeFileSync(log, '');
    const first = new AccessLogTail(log, position);
    appendFileSync(log, 'old 1\nold 2\n');
    expect(first.read()).toHaveLength(2);
    renameSync(log, `${log}.1`);
    writeFileSync(log, 'new 1\n');
    expect(new AccessLogTail(log, position).read()).toEqual(['new 1']);
    writeFileSync(log, 'x\n');
    expect(new AccessLogTail(log, position).read()).toEqual(['x']);
  });

  it('starts at the end when the position file is unreadable, and keeps no position without a file', () => {
    writeFileSync(log, 'old\n');
    writeFileSync(position, 'not json');
    const tail = new AccessLogTail(log, position);
    appendFileSync(log, 'new\n');
    expect(tail.read()).toEqual(['new']);
    expect(JSON.parse(readFileSync(position, 'utf8'))).toMatchObject({ offset: 8 });
    const bare = new AccessLogTail(log);
    appendFileSync(log, 'more\n');
    expect(bare.read()).toEqual(['more']);
  });
});
