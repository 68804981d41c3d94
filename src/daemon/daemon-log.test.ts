import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDaemonLog, maskSecrets, releaseEventFields, secretsOfPlan } from './daemon-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function collector(): { lines: string[]; stream: { write(chunk: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) } };
}

describe('daemon log', () => {
  it('writes one JSON object a line with time, level, msg and the release id', async () => {
    const out = collector();
    const log = createDaemonLog({ stream: out.stream });
    log.logger.info({ releaseId: 'rel_1', event: 'release.created' }, 'release rel_1: release.created');
    log.logger.error({ err: new Error('disk full') }, 'cannot write');
    await log.close();
    const [info, error] = out.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(info).toMatchObject({ level: 'info', msg: 'release rel_1: release.created', releaseId: 'rel_1', event: 'release.created', pid: process.pid });
    expect(Date.parse(String(info?.time))).toBeGreaterThan(Date.now() - 60_000);
    expect(error).toMatchObject({ level: 'error', msg: 'cannot write', err: { message: 'disk full', type: 'Error' } });
  });

  it('masks the values a plan takes from the environment and passwords in URLs, wherever they appear', async () => {
    const out = collector();
    const env = { API_TOKEN: 'tok-9f8e7d6c', SHORT: 'on', DB: 'postgres://app:pw-1234567@db/app' };
    const plan = 'target:\n  env: { A: "${API_TOKEN}", B: "${SHORT}" }\nstore: ${DB}\n';
    const log = createDaemonLog({ stream: out.stream }, () => secretsOfPlan([plan], env));
    log.logger.info({ detail: 'header Bearer tok-9f8e7d6c sent' }, 'check failed with tok-9f8e7d6c');
    log.logger.error({ err: new Error('connect postgres://other:hunter22@127.0.0.1/x refused') }, 'store down');
    log.logger.info({ password: 'p4ssw0rd-plain' }, 'a field named password');
    await log.close();
    const text = out.lines.join('\n');
    expect(text).not.toContain('tok-9f8e7d6c');
    expect(text).not.toContain('pw-1234567');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('p4ssw0rd-plain');
    expect(text).toContain('postgres://other:***@127.0.0.1/x');
    // Short values are too common to mask.
    expect(secretsOfPlan([plan], env)).not.toContain('on');
    expect(maskSecrets('{"msg":"a \\"quoted\\" secret"}', ['a "quoted" secret'])).toBe('{"msg":"***"}');
  });

  it('rotates the log file past its size, keeping a bounded number of files of whole JSON lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glidepath-daemon-log-'));
    dirs.push(dir);
    const file = join(dir, 'daemon.log');
    const log = createDaemonLog({ file, rotation: { maxBytes: 4_000, maxFiles: 3 } });
    for (let i = 0; i < 400; i++) log.logger.info({ releaseId: `rel_${i}`, n: i }, `line ${i} ${'x'.repeat(40)}`);
    await log.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['daemon.log', 'daemon.log.1', 'daemon.log.2']);
    for (const name of files) {
      const text = readFileSync(join(dir, name), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4_000 + 200);
      for (const line of text.trimEnd().split('\n')) expect(JSON.parse(line)).toHaveProperty('msg');
    }
    // The newest line is in the current file.
    expect(readFileSync(file, 'utf8')).toContain('"n":399');
  });

  it('a release event becomes short fields: id, type and its words, never a long text such as a plan', () => {
    const fields = releaseEventFields({ seq: 1, service: 's', releaseId: 'rel_1', type: 'release.plan', at: '', data: { text: 'x'.repeat(1000), sha256: 'abc', status: 'ok' } } as never);
    expect(fields).toEqual({ releaseId: 'rel_1', event: 'release.plan', status: 'ok' });
  });
});
