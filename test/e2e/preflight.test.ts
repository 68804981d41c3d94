/** `glidepath preflight` through the real CLI: items in order, streamed output, confirmations by --yes and at a real terminal. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as isAlive } from '../../src/shared/process-alive.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { ensureBuilt, linesOf, makeProject, parseOneJson, runCli, runCliInTerminal, type Project } from './helpers.js';
import { startHttpPeer, type HttpPeer } from './peers.js';

const SERVICE = 'e2e-preflight';
const STATEMENT = 'SSL certificate renewed';
const HELLO = `node -e "console.log('hello from tests')"`;

interface ItemJson {
  index: number;
  kind: string;
  label: string;
  status: string;
  detail: string;
  durationMs: number;
  evidence: Record<string, unknown>;
}
interface PreflightJson {
  service: string;
  passed: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  items: ItemJson[];
}

const plan = (items: string, checkUrl: string) =>
  `version: 1\nservice: ${SERVICE}\nchecks:\n  health: { http: { url: "${checkUrl}", status: 200 } }\npreflight:\n${items}`;

/** The stderr lines that announce items (`… kind label`) and stream output (`│ …`), in order. */
const progressOf = (stderr: string) => linesOf(stderr).filter((line) => /^(… |\s+│ )/.test(line));

describe('glidepath preflight (real CLI)', () => {
  let project: Project;
  let http: HttpPeer;

  beforeAll(async () => {
    await ensureBuilt();
    http = await startHttpPeer();
    project = await makeProject();
    const health = `${http.url}/health`;
    await project.write('glidepath.yaml', plan(`  - check: health\n  - run: ${HELLO}\n  - confirm: "${STATEMENT}"\n`, health));
    await project.write(
      'failing.yaml',
      plan(`  - run: node -e "console.error('boom'); process.exit(3)"\n  - check: health\n  - confirm: "${STATEMENT}"\n`, health),
    );
    await project.write(
      'slow.yaml',
      plan(`  - run: node -e "require('fs').writeFileSync('slow.pid', String(process.pid)); setTimeout(() => {}, 60000)"\n    timeout: 1s\n`, health),
    );
    await project.write('url.yaml', plan('  - check: health\n', '{url}/health'));
  });

  afterAll(async () => {
    await http?.stop();
    await project?.remove();
  });

  it('runs the items in order with --yes: exit 0, a ✔ line per item on stdout, run output streamed to stderr', async () => {
    const requestsBefore = http.requests.length;
    const run = await runCli(['preflight', '--yes'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(linesOf(run.stdout)).toEqual([
      expect.stringMatching(/^✔ check health — .*\(\d+(\.\d+)?m?s\)$/),
      expect.stringMatching(new RegExp(`^✔ run ${HELLO.replace(/[()'.]/g, '\\$&')} — exit 0 — hello from tests \\(`)),
      expect.stringMatching(new RegExp(`^✔ confirm ${STATEMENT} — confirmed by --yes`)),
      expect.stringMatching(/^preflight passed in /),
    ]);
    // Progress and the command's own output are on stderr, in the order things happened.
    expect(progressOf(run.stderr)).toEqual([`… check health`, `… run ${HELLO}`, '  │ hello from tests', `… confirm ${STATEMENT}`]);
    expect(run.stdout).not.toContain('│');
    expect(http.requests.slice(requestsBefore)).toEqual(['GET /health']);
  });

  it('--json prints one document {service, passed, items:[{index,kind,label,status,detail,durationMs,evidence}]}', async () => {
    const run = await runCli(['preflight', '--yes', '--json'], { cwd: project.dir });
    expect(run.code).toBe(0);
    const report = parseOneJson(run.stdout) as PreflightJson;
    expect(report).toMatchObject({ service: SERVICE, passed: true, durationMs: expect.any(Number) });
    expect(Date.parse(report.startedAt)).not.toBeNaN();
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    for (const item of report.items) {
      expect(Object.keys(item).sort()).toEqual(['detail', 'durationMs', 'evidence', 'index', 'kind', 'label', 'status']);
      expect(item.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(report.items).toEqual([
      expect.objectContaining({ index: 0, kind: 'check', label: 'health', status: 'pass', evidence: expect.objectContaining({ kind: 'http' }) }),
      expect.objectContaining({
        index: 1,
        kind: 'run',
        label: HELLO,
        status: 'pass',
        detail: expect.stringMatching(/^exit 0/),
        evidence: expect.objectContaining({ command: HELLO, exitCode: 0, outputTail: expect.stringContaining('hello from tests') }),
      }),
      expect.objectContaining({ index: 2, kind: 'confirm', label: STATEMENT, status: 'pass', evidence: { statement: STATEMENT, by: '--yes' } }),
    ]);
    // With --json the streamed output still goes to stderr, so stdout stays one document.
    expect(progressOf(run.stderr)).toContain('  │ hello from tests');
  });

  it('without --yes and with stdin not a terminal: exit 1, the confirmation fails and says to pass --yes', async () => {
    const human = await runCli(['preflight'], { cwd: project.dir, input: 'y\n' });
    expect(human.code).toBe(1);
    const lines = linesOf(human.stdout);
    expect(lines[0]).toMatch(/^✔ check health/);
    expect(lines[1]).toMatch(/^✔ run /);
    expect(lines[2]).toMatch(new RegExp(`^✘ confirm ${STATEMENT} — .*--yes`));
    expect(lines[3]).toMatch(/^preflight failed: 1 of 3 item\(s\)/);

    const json = await runCli(['preflight', '--json'], { cwd: project.dir });
    expect(json.code).toBe(1);
    const report = parseOneJson(json.stdout) as PreflightJson;
    expect(report.passed).toBe(false);
    expect(report.items.map((i) => i.status)).toEqual(['pass', 'pass', 'fail']);
    expect(report.items[2]).toMatchObject({ kind: 'confirm', detail: expect.stringContaining('--yes') });
  });

  it('a failing run item is exit 1; later checks still run, the confirmation is not asked', async () => {
    const requestsBefore = http.requests.length;
    const run = await runCli(['-f', 'failing.yaml', 'preflight', '--yes', '--json'], { cwd: project.dir });
    expect(run.code).toBe(1);
    const report = parseOneJson(run.stdout) as PreflightJson;
    expect(report.passed).toBe(false);
    expect(report.items.map((i) => [i.kind, i.status])).toEqual([
      ['run', 'fail'],
      ['check', 'pass'],
      ['confirm', 'skipped'],
    ]);
    expect(report.items[0]).toMatchObject({ detail: expect.stringMatching(/^exit 3.*boom/), evidence: expect.objectContaining({ exitCode: 3 }) });
    expect(progressOf(run.stderr)).toContain('  │ boom');
    expect(http.requests.slice(requestsBefore)).toEqual(['GET /health']);
  });

  it('--fail-fast stops at the first failed item: nothing after it runs', async () => {
    const requestsBefore = http.requests.length;
    const run = await runCli(['-f', 'failing.yaml', 'preflight', '--yes', '--fail-fast'], { cwd: project.dir });
    expect(run.code).toBe(1);
    const lines = linesOf(run.stdout);
    expect(lines[0]).toMatch(/^✘ run .* — exit 3/);
    expect(lines[1]).toMatch(/^– check health — an earlier item failed/);
    expect(lines[2]).toMatch(/^– confirm /);
    expect(http.requests.length).toBe(requestsBefore);
  });

  it('a run item that overstays its timeout fails (and its process is ended) within a bounded time', async () => {
    const started = Date.now();
    const run = await runCli(['-f', 'slow.yaml', 'preflight', '--json'], { cwd: project.dir, timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(25_000);
    const report = parseOneJson(run.stdout) as PreflightJson;
    expect(report.items[0]).toMatchObject({ kind: 'run', status: 'fail', detail: expect.stringMatching(/timed out/) });
    const pid = Number(await readFile(join(project.dir, 'slow.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid), `run item's process ${pid} is still alive`).toBe(false);
  });

  it('--url fills {url} of the checks it runs', async () => {
    const requestsBefore = http.requests.length;
    const run = await runCli(['-f', 'url.yaml', 'preflight', '--url', http.url, '--json'], { cwd: project.dir });
    expect(run.code, run.stdout).toBe(0);
    expect(http.requests.slice(requestsBefore)).toEqual(['GET /health']);
  });

  it('records check items and the run in the store (context preflight, started/finished events)', async () => {
    const store = await project.openStore();
    try {
      const rows = await store.checks.listRecent({ service: SERVICE, limit: 1000 });
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row).toMatchObject({ name: 'health', kind: 'http', context: 'preflight' });
      const events = await store.events.list({ service: SERVICE, limit: 1000 });
      const types = events.map((e) => e.type);
      expect(types.filter((t) => t === 'preflight.started').length).toBeGreaterThan(0);
      expect(types.filter((t) => t === 'preflight.finished').length).toBe(types.filter((t) => t === 'preflight.started').length);
      const finished = events.filter((e) => e.type === 'preflight.finished');
      expect(finished.some((e) => e.data.passed === true)).toBe(true);
      expect(finished.some((e) => e.data.passed === false)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

// A real terminal needs util-linux `script`; under GLIDEPATH_REQUIRE_ALL=1 its absence fails the suite.
const terminal = requirePrograms('script');

describe.skipIf(terminal.missing)(`glidepath preflight at a terminal${terminal.missing ? ` (skipped: ${terminal.missing})` : ''}`, () => {
  let project: Project;
  let http: HttpPeer;
  const prompt = new RegExp(`${STATEMENT} — confirm \\[y/N\\]`);

  beforeAll(async () => {
    await ensureBuilt();
    http = await startHttpPeer();
    project = await makeProject();
    await project.write('glidepath.yaml', plan(`  - check: health\n  - run: ${HELLO}\n  - confirm: "${STATEMENT}"\n`, `${http.url}/health`));
  });

  afterAll(async () => {
    await http?.stop();
    await project?.remove();
  });

  it('asks on the terminal; answering y confirms: exit 0', async () => {
    const run = await runCliInTerminal(terminal.paths.script!, ['preflight'], { cwd: project.dir, prompt, answer: 'y\n' });
    expect(run.answered).toBe(true);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`✔ confirm ${STATEMENT} — confirmed at the terminal`));
    expect(run.stdout).toMatch(/preflight passed/);
  });

  it('answering n (or nothing) refuses: exit 1', async () => {
    const run = await runCliInTerminal(terminal.paths.script!, ['preflight'], { cwd: project.dir, prompt, answer: 'n\n' });
    expect(run.answered).toBe(true);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`✘ confirm ${STATEMENT} — not confirmed`));
  });
});
