/** The command notifier with real processes: the document on stdin, GLIDEPATH_* variables, secrets kept out. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/load.js';
import { runNotifierContract, sampleNotification } from '../notifier.contract.js';
import { createCommandNotifier } from './index.js';

const SECRET = 'pager-token-0123456789';

/** A script that appends its stdin, argv and a few variables to out.jsonl, then exits with $EXIT_WITH. */
const SCRIPT = `
const fs = require('node:fs');
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('GLIDEPATH_') || k === 'PAGER_TOKEN'));
  fs.appendFileSync('out.jsonl', JSON.stringify({ input, argv: process.argv.slice(2), env }) + '\\n');
  if (process.env.EXIT_WITH !== '0') console.error('could not page with ' + process.env.PAGER_TOKEN);
  process.exit(Number(process.env.EXIT_WITH));
});
`;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-notify-cmd-'));
  writeFileSync(join(dir, 'notify.cjs'), SCRIPT);
  return dir;
}

const entry = (exitWith: number) =>
  parsePlan(
    `version: 1\nservice: shop\nnotify:\n  page: { command: '"${process.execPath}" notify.cjs --from glidepath', env: { PAGER_TOKEN: "\${TOKEN}", EXIT_WITH: "${exitWith}" } }\n`,
    'glidepath.yaml',
    { TOKEN: SECRET },
  ).notify.page!;

const lines = (dir: string) => readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { input: string; argv: string[]; env: Record<string, string> });

runNotifierContract({
  name: 'command',
  async create() {
    const dir = project();
    return {
      notifier: createCommandNotifier(entry(0), { cwd: dir }),
      failing: createCommandNotifier(entry(3), { cwd: dir }),
      received: async (count) => lines(dir).slice(0, count),
      secrets: [SECRET],
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

describe('the command notifier', () => {
  it('gives the command the document on stdin and GLIDEPATH_* variables, secrets only in its environment', async () => {
    const dir = project();
    try {
      const notifier = createCommandNotifier(entry(0), { cwd: dir });
      expect(notifier.destination).toBe(process.execPath);
      const result = await notifier.send(sampleNotification(), { signal: AbortSignal.timeout(10_000), deliveryId: 'dlv_cmd' });
      expect(result).toMatchObject({ status: 'delivered' });
      const [seen] = lines(dir);
      expect(seen?.argv).toEqual(['--from', 'glidepath']);
      expect(JSON.parse(seen?.input ?? '{}')).toMatchObject({ id: 'dlv_cmd', event: 'release.rolled_back', release: { version: 'v2' } });
      expect(seen?.env).toMatchObject({
        GLIDEPATH_EVENT: 'release.rolled_back',
        GLIDEPATH_SERVICE: 'shop',
        GLIDEPATH_SEVERITY: 'warning',
        GLIDEPATH_VERSION: 'v2',
        GLIDEPATH_REASON: 'error_rate 0.2 above max 0.05',
        GLIDEPATH_DELIVERY: 'dlv_cmd',
        PAGER_TOKEN: SECRET,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a non-zero exit fails with the last line, the secret in it blanked out', async () => {
    const dir = project();
    try {
      const result = await createCommandNotifier(entry(3), { cwd: dir }).send(sampleNotification(), { signal: AbortSignal.timeout(10_000), deliveryId: 'd' });
      expect(result).toMatchObject({ status: 'failed', retryable: true });
      expect(result.detail).toBe(`${process.execPath} exited 3: could not page with ***`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
