import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessLogTail } from './access-log-tail.js';
import { LogCounters, parseLogLine } from './log-counters.js';

describe('parseLogLine', () => {
  it("reads glidepath's log format, and nothing else", () => {
    expect(parseLogLine('1733490000.123 "v1" 200 0.004')).toEqual({ atMs: 1733490000123, version: 'v1', status: 200, latencyMs: 4 });
    expect(parseLogLine('1733490000.123 "" 503 0.000')).toBeUndefined();
    expect(parseLogLine('127.0.0.1 - - [06/Dec/2026:13:00:00 +0000] "GET / HTTP/1.1" 200 5')).toBeUndefined();
  });
});

describe('LogCounters', () => {
  it('counts requests, 5xx as errors and latency per version, in totals and windows', () => {
    const counters = new LogCounters();
    const t0 = 1_000_000_000;
    for (let i = 0; i < 100; i++) counters.add({ atMs: t0 + i * 10, version: 'v1', status: i < 5 ? 502 : 200, latencyMs: i < 50 ? 1 : 10 });
    counters.add({ atMs: t0 + 5000, version: 'v1', status: 200, latencyMs: 1 });
    const totals = counters.totals('v1');
    expect(totals).toMatchObject({ requests: 101, errors: 5 });
    expect(totals.latency.cumulative.at(-1)).toBe(101);
    expect(totals.latency.upperBoundsMs.at(-1)).toBe(Infinity);
    const window = counters.window('v1', t0, t0 + 1000);
    expect(window).toMatchObject({ requests: 100, errors: 5 });
    expect(window.p50).toBeGreaterThanOrEqual(1);
    expect(window.p50).toBeLessThan(1.06);
    expect(window.p99).toBeGreaterThanOrEqual(10);
    expect(window.p99).toBeLessThan(10.6);
    expect(counters.window('v2', t0, t0 + 1000)).toEqual({ requests: 0, errors: 0, p50: null, p95: null, p99: null });
  });
});

describe('AccessLogTail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-tail-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the whole lines added since the last read, from the end at start, and from the start after truncation', () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, 'old line\n');
    const tail = new AccessLogTail(path);
    expect(tail.read()).toEqual([]);
    appendFileSync(path, 'one\ntw');
    expect(tail.read()).toEqual(['one']);
    appendFileSync(path, 'o\n');
    expect(tail.read()).toEqual(['two']);
    writeFileSync(path, 'new\n');
    expect(tail.read()).toEqual(['new']);
  });

  it('reads a file that appears after it started from its start', () => {
    const path = join(dir, 'later.log');
    const tail = new AccessLogTail(path);
    expect(tail.read()).toEqual([]);
    writeFileSync(path, 'first\n');
    expect(tail.read()).toEqual(['first']);
  });
});
