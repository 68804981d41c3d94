import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { checkVariables } from './plan-checks.js';
import { runPreflight, type Confirmer, type PreflightItemResult } from './preflight.js';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 503;
    res.end(req.url === '/health' ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function planWith(preflight: string) {
  return parsePlan(
    `version: 1
service: shop
checks:
  health: { http: { url: "{url}/health", status: 200 } }
  broken: { http: { url: "{url}/broken", status: 200 } }
preflight:
${preflight}`,
    'glidepath.yaml',
    {},
  );
}

async function run(preflight: string, confirmer: Confirmer = { mode: 'yes' }, failFast = false) {
  const plan = planWith(preflight);
  const events: string[] = [];
  const output: string[] = [];
  const report = await runPreflight(plan, {
    cwd: tmpdir(),
    variables: checkVariables(plan, { url }),
    confirmer,
    failFast,
    onItem: (event, item) => events.push(`${event} ${item.label}`),
    onOutput: (_index, chunk) => output.push(chunk),
  });
  return { report, events, output: output.join('') };
}

const summary = (items: PreflightItemResult[]) => items.map((i) => `${i.kind}:${i.label}:${i.status}`);

describe('runPreflight', () => {
  it('runs checks, commands and confirmations in order, with evidence', async () => {
    const { report, events, output } = await run(
      `  - check: health
  - run: node -e "console.log('tests passed'); console.error('warning, slow test')"
  - confirm: SSL certificate renewed
`,
    );
    expect(report.passed).toBe(true);
    expect(summary(report.items)).toEqual([
      'check:health:pass',
      `run:node -e "console.log('tests passed'); console.error('warning, slow test')":pass`,
      'confirm:SSL certificate renewed:pass',
    ]);
    expect(events[0]).toBe('start health');
    expect(output).toContain('tests passed');
    expect(output).toContain('warning, slow test');
    expect(report.items[1]?.evidence.outputTail).toContain('tests passed');
    expect(report.items[1]?.evidence.exitCode).toBe(0);
    expect(report.items[2]?.evidence).toEqual({ statement: 'SSL certificate renewed', by: '--yes' });
    expect(report.items[0]?.detail).toContain('200');
  });

  it('fails on a failing check or command and keeps going to show the rest', async () => {
    const { report } = await run(`  - check: broken
  - run: node -e "process.exit(3)"
  - check: health
`);
    expect(report.passed).toBe(false);
    expect(summary(report.items)).toEqual(['check:broken:fail', 'run:node -e "process.exit(3)":fail', 'check:health:pass']);
    expect(report.items[1]?.detail).toBe('exit 3');
  });

  it('stops at the first failure with failFast and does not ask for confirmation after a failure', async () => {
    const asked: string[] = [];
    const { report } = await run(
      `  - check: broken
  - confirm: go ahead
  - check: health
`,
      { mode: 'ask', ask: (s) => Promise.resolve(asked.push(s) > 0) },
      true,
    );
    expect(summary(report.items)).toEqual(['check:broken:fail', 'confirm:go ahead:skipped', 'check:health:skipped']);
    expect(asked).toEqual([]);
  });

  it('refuses a confirmation nobody can give, and records an answer given at a terminal', async () => {
    const refused = await run('  - confirm: backups verified\n', { mode: 'none' });
    expect(refused.report.passed).toBe(false);
    expect(refused.report.items[0]?.detail).toMatch(/--yes/);
    const no = await run('  - confirm: backups verified\n', { mode: 'ask', ask: () => Promise.resolve(false) });
    expect(no.report.items[0]?.status).toBe('fail');
    const yes = await run('  - confirm: backups verified\n', { mode: 'ask', ask: () => Promise.resolve(true) });
    expect(yes.report.items[0]).toMatchObject({ status: 'pass', detail: 'confirmed at the terminal' });
  });

  it('stops a command at its timeout and says so', async () => {
    const { report } = await run(`  - run: node -e "setTimeout(() => {}, 60000)"
    timeout: 300ms
`);
    expect(report.items[0]?.status).toBe('fail');
    expect(report.items[0]?.detail).toMatch(/timed out/);
  });

  it('reports a command that cannot start as an error', async () => {
    const { report } = await run('  - run: definitely-not-a-program-here --flag\n');
    expect(report.items[0]).toMatchObject({ status: 'error', detail: 'could not start: command not found: definitely-not-a-program-here' });
  });
});
