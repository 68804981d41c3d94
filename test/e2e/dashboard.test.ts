/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a real daemon started by
 * the real CLI: log in through the URL `glidepath dashboard --url` prints, watch a canary's weights and charts
 * change without a reload, follow a compare metric's evidence chart, promote and roll back with the buttons, open a
 * launch record, silence an alert, open a job's run history from the keyboard, and see that a read-only login has no
 * buttons and its POSTs are refused. Screenshots go to docs/dashboard-*.png.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Load } from '../../src/load/steady-load.js';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { REPO_ROOT, closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';
import { describeTiming, observeLongTasks, timePageLoad, type PageTiming } from './page-timing.js';
import { Rig, cleanUpRigs } from './release-rig.js';
import { servicesIn } from './serving-rig.js';

const { paths, missing } = requirePrograms('chromium');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DOCS = join(REPO_ROOT, 'docs');
cleanUpRigs();
/** The machine's load average over the last minute, for every timing reported. */
const loadNow = () => (loadavg()[0] ?? 0).toFixed(1);

let browser: Browser;
const projects: { project: Project; pid?: number }[] = [];
const loads: Load[] = [];

// playwright gives every launch a fresh profile directory of its own (the --user-data-dir the flags ask for).
function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: paths.chromium, headless: true, args: CHROMIUM_ARGS });
}

async function cli(project: Project, args: string[], timeoutMs = 60_000) {
  const run = await runCli(args, { cwd: project.dir, timeoutMs });
  if (run.code !== 0) throw new Error(`glidepath ${args.join(' ')} exited ${String(run.code)}:\n${run.stderr}`);
  return run;
}

async function loginUrl(project: Project, readOnly = false): Promise<string> {
  const run = await cli(project, ['dashboard', '--url', '--json', ...(readOnly ? ['--read-only'] : [])]);
  const { url } = parseOneJson(run.stdout) as { url: string };
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#login=gp_login_/);
  return url;
}

/** Bytes on the wire of a GET with one Accept-Encoding (fetch would hand back the decoded body). */
function wireSize(url: string, encoding: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers: { 'accept-encoding': encoding } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(10_000, () => request.destroy(new Error(`GET ${url} took over 10s`)));
  });
}

async function confirmAction(page: Page, verb: string): Promise<void> {
  await page.getByRole('button', { name: verb, exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: `Yes, ${verb.toLowerCase()}` }).click();
}

const weightOf = (page: Page, role: 'stable' | 'canary') =>
  page.locator(`.weight.${role}`).evaluate((el: { getAttribute(name: string): string | null }) => `${el.getAttribute('data-version') ?? ''} ${el.getAttribute('data-weight') ?? ''}`).catch(() => 'none');

// After every describe (the long-history one starts a daemon of its own): each project's daemon and versions stop.
afterAll(async () => {
  for (const load of loads) await load.stop().catch(() => undefined);
  await browser?.close();
  for (const { project: p, pid } of projects) {
    await runCli(['down'], { cwd: p.dir, timeoutMs: 70_000 }).catch(() => undefined);
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    for (const service of servicesIn(p.dir)) process.kill(service.pid, 'SIGKILL');
    await p.remove();
  }
}, 150_000);

describe.skipIf(missing)('the dashboard in a browser', () => {
  let project: Project;
  let proxyPort: number;
  let flag: string;

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject();
    proxyPort = await closedPort();
    let daemonPort = await closedPort();
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const version of ['v1', 'v2']) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), '{}');
    }
    flag = join(project.dir, 'healthy');
    writeFileSync(flag, '');
    await project.write('glidepath.yaml', `${[
      ...processPlanLines('shop', daemonPort, proxyPort),
      'checks:',
      `  health: { command: { run: "test -f ${flag}" }, interval: 500ms, retries: 1, retryInterval: 250ms }`,
      'strategy:',
      '  canary:',
      '    steps: [{ weight: 20 }, { pause: 4s }, { weight: 50 }, { pause: {} }]',
      'analysis:',
      '  interval: 1s',
      '  minRequests: 5',
      '  onInconclusive: continue',
      '  metrics:',
      '    - { name: errors, metric: error_rate, max: 0.05 }',
      '    - { name: vs-stable, compare: error_rate }',
      'jobs:',
      '  - { name: tick, every: 2s, run: "echo tick done" }',
      'alerts:',
      '  - { name: api-down, check: health, for: 1s, interval: 250ms, severity: critical }',
    ].join('\n')}\n`);
    const entry: { project: Project; pid?: number } = { project };
    projects.push(entry);
    const up = await cli(project, ['up', '--detach', '--json']);
    entry.pid = (parseOneJson(up.stdout) as { pid: number }).pid;
    await cli(project, ['deploy', 'v1', '--json']);
    const load = Load.start({ url: `http://127.0.0.1:${proxyPort}/`, clients: 2, gapMs: 40, maxSeconds: 170 });
    loads.push(load);
    await load.waitForRequests(20);
    browser = await launch();
  }, 120_000);


  it('logs in through the printed URL, follows a canary live, promotes and rolls back, shows a launch record and silences an alert', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const url = await loginUrl(project);
    await page.goto(url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent(), { timeout: 15_000 }).toContain('shop');
    // The one-time token left the address bar, and the session cookie is out of the page's reach.
    expect(page.url()).not.toContain('gp_login_');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'gp_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    // Spent: the same URL does not log in a second browser.
    const other = await browser.newContext();
    const again = await other.newPage();
    await again.goto(url);
    await expect.poll(() => again.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('unknown, used or expired');
    await other.close();

    await page.evaluate(() => ((globalThis as unknown as { stayed: boolean }).stayed = true));
    await expect.poll(() => weightOf(page, 'stable'), { timeout: 15_000 }).toBe('v1 100');
    const deploy = await cli(project, ['deploy', 'v2', '--detach', '--json']);
    const releaseId = (parseOneJson(deploy.stdout) as { id: string }).id;
    await expect.poll(() => weightOf(page, 'canary'), { timeout: 30_000, interval: 100 }).toBe('v2 20');
    await expect.poll(() => weightOf(page, 'canary'), { timeout: 30_000, interval: 100 }).toBe('v2 50');
    // The charts follow both versions, still on the page first loaded.
    await expect.poll(() => page.locator('.chart [role="img"]').first().getAttribute('aria-label'), { timeout: 15_000 }).toContain('v2');
    const points = Number(await page.locator('.chart [data-points]').first().getAttribute('data-points'));
    await expect.poll(async () => Number(await page.locator('.chart [data-points]').first().getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(points);
    expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await expect.poll(() => page.getByTestId('release-status').textContent(), { timeout: 15_000 }).toBe('paused');
    // The compare metric's evidence over time: a log-scale chart that gains a point with each analysis round, live.
    const evidencePoints = () => page.locator('[data-testid="evidence-vs-stable"] [data-points]').getAttribute('data-points', { timeout: 1_000 }).then(Number, () => 0);
    await expect.poll(evidencePoints, { timeout: 15_000 }).toBeGreaterThan(0);
    const looks = await evidencePoints();
    await expect.poll(evidencePoints, { timeout: 15_000 }).toBeGreaterThan(looks);
    expect(await page.locator('[data-testid="effect-vs-stable"] figcaption').textContent()).toContain('confidence bounds');
    // Drawn on its log axis (a tick label that threw on the log axis's unlabelled ticks once left it blank).
    for (const chart of ['evidence', 'effect']) {
      await expect.poll(() => page.locator(`[data-testid="${chart}-vs-stable"] [data-points]`).getAttribute('data-drawn'), { timeout: 5_000 }).toBe('true');
    }
    await page.screenshot({ path: join(DOCS, 'dashboard-services.png'), fullPage: true });

    await confirmAction(page, 'Promote');
    await expect.poll(() => weightOf(page, 'stable'), { timeout: 30_000 }).toBe('v2 100');
    await confirmAction(page, 'Rollback');
    await expect.poll(() => weightOf(page, 'stable'), { timeout: 45_000 }).toBe('v1 100');
    const served = await fetch(`http://127.0.0.1:${proxyPort}/`);
    expect(served.headers.get('x-version')).toBe('v1');
    const store = await project.openStore();
    try {
      const events = await store.events.list({ releaseId, limit: 1000 });
      const steered = events.filter((e) => e.type === 'release.steered').map((e) => e.data);
      expect(steered).toEqual([expect.objectContaining({ action: 'promote', by: expect.stringMatching(/^\S.* \(dashboard\)$/) as unknown })]);
    } finally {
      await store.close();
    }

    await page.goto(`${url.split('#')[0] ?? ''}#/history`);
    await page.getByRole('link', { name: releaseId }).click();
    await page.getByRole('button', { name: 'Show launch record' }).click();
    await expect.poll(() => page.getByRole('article', { name: 'Launch record' }).textContent(), { timeout: 10_000 }).toContain('v2');
    const download = await page.evaluate(async (path) => {
      const response = await fetch(path);
      return { type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), text: await response.text() };
    }, `/v1/releases/${releaseId}/record`);
    expect(download.type).toContain('text/markdown');
    expect(download.disposition).toContain('attachment');
    expect(download.text).toMatch(/^# /);
    // The finished release keeps its evidence: every round's e-value against 1/alpha, as the API gives it.
    await expect.poll(evidencePoints, { timeout: 10_000 }).toBeGreaterThan(1);
    const judged = (await page.evaluate(async (path) => (await fetch(path)).json(), `/v1/releases/${releaseId}`)) as { analysis: { metric: string; evidence?: { test: string; eValue: number; threshold: number } }[] };
    const evidence = judged.analysis.filter((m) => m.metric === 'vs-stable').map((m) => m.evidence);
    expect(evidence.length).toBeGreaterThan(1);
    expect(evidence.every((e) => e?.test === 'error_rate' && e.threshold === 100 && e.eValue > 0)).toBe(true);
    expect(judged.analysis.filter((m) => m.metric === 'errors').every((m) => m.evidence === undefined)).toBe(true);
    await page.screenshot({ path: join(DOCS, 'dashboard-release.png'), fullPage: true });
    await page.goto(`${url.split('#')[0] ?? ''}#/history`);
    await page.screenshot({ path: join(DOCS, 'dashboard-history.png') });

    rmSync(flag);
    await page.goto(`${url.split('#')[0] ?? ''}#/operations`);
    await expect.poll(() => page.locator('[data-alert="api-down"] .badge').first().textContent(), { timeout: 30_000 }).toBe('firing');
    await page.getByLabel('Matchers').fill('alertname=api-down');
    await page.getByLabel('Comment').fill('known outage, fixing it');
    await page.getByRole('button', { name: 'Silence', exact: true }).click();
    await expect.poll(() => page.locator('[data-alert="api-down"]').textContent(), { timeout: 15_000 }).toContain('silenced');
    expect(await page.locator('main').textContent()).toContain('known outage, fixing it');
    // A job's run history opens from the keyboard: status, exit code and the tail of its output.
    const runsOf = page.getByRole('button', { name: 'Show runs of tick' });
    await runsOf.focus();
    await page.keyboard.press('Enter');
    expect(await page.getByRole('button', { name: 'Hide runs of tick' }).getAttribute('aria-expanded')).toBe('true');
    const history = page.getByRole('table', { name: 'Runs of tick' });
    await expect.poll(() => history.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const firstRun = history.locator('tbody tr').first();
    expect(await firstRun.locator('.badge').textContent()).toBe('succeeded');
    expect(await firstRun.locator('td').nth(3).textContent()).toBe('0');
    expect(await firstRun.locator('pre.output').textContent()).toBe('tick done');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('table', { name: 'Runs of tick' }).count(), { timeout: 5_000 }).toBe(0);
    await page.getByRole('button', { name: 'Show runs of tick' }).press('Enter');
    await history.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(DOCS, 'dashboard-operations.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url.split('#')[0] ?? ''}#/services`);
    await expect.poll(() => weightOf(page, 'stable'), { timeout: 15_000 }).toBe('v1 100');
    await page.screenshot({ path: join(DOCS, 'dashboard-phone.png') });
    await context.close();
  }, 240_000);

  it('a read-only login sees no action buttons, and the API refuses its POSTs', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await loginUrl(project, true));
    await expect.poll(() => page.locator('header .who').textContent(), { timeout: 15_000 }).toContain('read-only');
    await expect.poll(() => page.locator('.weight.stable').count(), { timeout: 15_000 }).toBe(1);
    for (const name of ['Promote', 'Pause', 'Abort', 'Rollback']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    await page.goto(`${page.url().split('#')[0] ?? ''}#/operations`);
    await expect.poll(() => page.getByRole('heading', { name: 'Alerts' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByRole('form', { name: 'New silence' }).count()).toBe(0);
    const statuses = await page.evaluate(async () => {
      const { csrf } = (await (await fetch('/dashboard/session')).json()) as { csrf: string };
      const headers = { 'content-type': 'application/json', 'x-csrf-token': csrf };
      const rollback = await fetch('/v1/rollback', { method: 'POST', headers, body: '{}' });
      const silence = await fetch('/v1/silences', { method: 'POST', headers, body: JSON.stringify({ matchers: ['a=b'], author: 'x', comment: 'y', duration: '1h' }) });
      return [rollback.status, silence.status];
    });
    expect(statuses).toEqual([403, 403]);
    await context.close();
  }, 60_000);
});

describe.skipIf(missing)('a release judged by compare: latency, in the dashboard', () => {
  it('shows the latency evidence: the canary/stable ratio with its bounds against the tolerated ratio, and the verdict line', async () => {
    await ensureBuilt();
    // The canary answers 300 ms slower than stable: the confidence sequence on p95 decides against it within seconds.
    const rig = await Rig.create({ v1: {}, v2: { EXTRA_LATENCY_MS: 300 } }, [
      'strategy:',
      '  canary:',
      '    steps: [{ weight: 20 }, { pause: 25s }, { weight: 50 }, { pause: 5s }]',
      'analysis:',
      '  interval: 1s',
      '  minRequests: 5',
      '  onInconclusive: continue',
      '  metrics:',
      '    - { name: vs-stable, compare: latency }',
    ].join('\n'));
    const up = await rig.cli(['up', '--detach', '--json'], 60_000);
    expect(up.code, up.stderr).toBe(0);
    expect((await rig.deploy('v1')).release.status).toBe('succeeded');
    await rig.startLoad();
    const { release } = await rig.deploy('v2');
    await rig.stopLoad();
    expect(release.status).toBe('rolled_back');

    const ownBrowser = await launch();
    try {
      const page = await (await ownBrowser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(await loginUrl(rig.project));
      await page.locator('header').waitFor();
      await page.goto(`${page.url().split('#')[0] ?? ''}#/history/${release.id}`);
      // The effect chart: one point per analysis round, drawn on its log axis, captioned with the tolerated ratio.
      const effect = page.getByTestId('effect-vs-stable');
      await expect.poll(() => effect.locator('[data-points]').getAttribute('data-drawn', { timeout: 1_000 }).catch(() => null), { timeout: 15_000 }).toBe('true');
      const rounds = release.analysis.filter((a) => a.metric === 'vs-stable').length;
      expect(Number(await effect.locator('[data-points]').getAttribute('data-points'))).toBe(rounds);
      expect(await effect.locator('figcaption').textContent()).toBe('vs-stable: canary/stable ratio with its confidence bounds (log scale); tolerated up to 1.2');
      expect(await effect.locator('[role="img"]').getAttribute('aria-label')).toContain('ratio, lower bound, upper bound, tolerated');
      // The exceedance test's e-value against 1/alpha, one point per round, beside the effect chart.
      const evidence = page.getByTestId('evidence-vs-stable');
      await expect.poll(() => evidence.locator('[data-points]').getAttribute('data-drawn', { timeout: 1_000 }).catch(() => null), { timeout: 15_000 }).toBe('true');
      expect(Number(await evidence.locator('[data-points]').getAttribute('data-points'))).toBe(rounds);
      // The verdict line of the metric's row: failed, the reason in words, and where the test stood.
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'vs-stable' }) });
      expect(await row.locator('.badge').textContent()).toBe('fail');
      const verdict = (await row.locator('.reason').allTextContents()).join('\n');
      expect(verdict).toMatch(/^p95 latency [\d.]+ ms vs stable [\d.]+ ms: \d+ of \d+ canary requests \([\d.]+%\) slower than stable's p95 × 1\.2, vs [\d.]+% of stable's slower than its p95; .* at 99% confidence after \d+ canary requests \(e-value [\d.e+]+ ≥ 100\)/);
      expect(verdict).toMatch(/e-value [\d.e+]+ of 100 needed · ratio [\d.e+]+ \[([\d.e+]+|–), [^\]]+\], tolerated 1.2 · \d+ vs \d+ requests · test fail$/);
      await page.screenshot({ path: join(DOCS, 'dashboard-latency.png'), fullPage: true });
    } finally {
      await ownBrowser.close();
    }
  }, 240_000);
});

describe.skipIf(missing)('the dashboard with a long history (measured, not asserted)', () => {
  it('loads with 1,000 releases and 200 monitors', async () => {
    await ensureBuilt();
    const project = await makeProject();
    const port = await closedPort();
    const checks = Array.from({ length: 200 }, (_, i) => `  c${i}: { http: { url: "http://127.0.0.1:${port}/health" }, interval: 60s }`);
    await project.write('glidepath.yaml', `${['version: 1', 'service: shop', `daemon: { listen: "127.0.0.1:${port}" }`, 'checks:', ...checks].join('\n')}\n`);
    mkdirSync(join(project.dir, '.glidepath'), { recursive: true });
    const store = await project.openStore();
    // The 991st newest release: on page 40 of 25, far past the 500 the list once loaded at most.
    let old = '';
    try {
      for (let i = 0; i < 1000; i++) {
        const release = await store.releases.create({ service: 'shop', version: `1.0.${i}`, strategy: 'canary', startedAt: new Date(Date.now() - (1000 - i) * 60_000).toISOString() });
        await store.releases.update(release.id, { status: i % 7 === 0 ? 'rolled_back' : 'succeeded', reason: i % 7 === 0 ? 'errors over 0.05' : null, finishedAt: new Date(Date.now() - (1000 - i) * 60_000 + 45_000).toISOString() });
        if (i === 9) old = release.id;
      }
    } finally {
      await store.close();
    }
    const entry: { project: Project; pid?: number } = { project };
    projects.push(entry);
    const up = await cli(project, ['up', '--detach', '--json']);
    entry.pid = (parseOneJson(up.stdout) as { pid: number }).pid;
    const ownBrowser = await launch();
    try {
      const context = await ownBrowser.newContext();
      const page = await context.newPage();
      await observeLongTasks(page);
      await page.goto(await loginUrl(project));
      await page.locator('header').waitFor();
      const loadAt = loadNow();
      const base = page.url().split('#')[0] ?? '';
      // Each view three times, alternating, from about:blank (the scripts are cached by then, as for a returning user).
      const history: PageTiming[] = [];
      const operations: PageTiming[] = [];
      for (let round = 0; round < 3; round++) {
        // History counts once the list has arrived (before that the page says "(loading)"); Operations once the 200th monitor is drawn.
        history.push(await timePageLoad(page, `${base}#/history`, { selector: 'nav[aria-label="Pages"] span', count: 1, text: String.raw`\([1-9]\d* releases\)` }));
        operations.push(await timePageLoad(page, `${base}#/operations`, { selector: '[aria-label="Monitors"] li', count: 200 }));
      }
      // Every script of the bundle (the page's own and the chart chunk it loads on first use), and the page's own.
      const onPage: string[] = readFileSync(join(REPO_ROOT, 'dist', 'web', 'index.html'), 'utf8').match(/\/assets\/[^"]+\.js/g) ?? [];
      const assets = readdirSync(join(REPO_ROOT, 'dist', 'web', 'assets')).filter((name) => name.endsWith('.js')).map((name) => `/assets/${name}`);
      expect(assets).toEqual(expect.arrayContaining(onPage));
      let jsBrotli = 0;
      let jsGzip = 0;
      let pageBrotli = 0;
      for (const asset of assets) {
        for (const encoding of ['br', 'gzip'] as const) {
          const size = await wireSize(`${base}${asset.slice(1)}`, encoding);
          if (encoding === 'br') jsBrotli += size;
          else jsGzip += size;
          if (encoding === 'br' && onPage.includes(asset)) pageBrotli += size;
        }
      }
      const load = `${loadAt} at the start, ${loadNow()} at the end`;
      const totals = (timings: PageTiming[]) => timings.map((t) => Math.round(t.totalMs)).join(', ');
      console.log(`dashboard load (load average ${load}): history with 1,000 releases stored: ${totals(history)} ms; operations with 200 monitors: ${totals(operations)} ms; JavaScript: ${jsBrotli} bytes brotli, ${jsGzip} bytes gzip, of which ${pageBrotli} bytes brotli load with every page`);
      for (const [view, timings] of [['history', history], ['operations', operations]] as const) {
        for (const timing of timings) console.log(`dashboard load: ${describeTiming(view, timing)}`);
      }
      // Each view's data is asked for once (the early request is the view's own), and each answer says how long the
      // daemon took. That it starts beside the session's request, not after its answer, is reported above, not
      // asserted: on a loaded machine the browser may start either late.
      const asked = (timing: PageTiming, path: string) => timing.calls.filter((call) => call.path === path);
      for (const [timings, paths] of [[history, ['/v1/releases?limit=25']], [operations, ['/v1/monitors', '/v1/backups', '/v1/jobs', '/v1/alerts', '/v1/silences', '/v1/alerts/history?limit=20']]] as const) {
        for (const timing of timings) {
          expect(asked(timing, '/dashboard/session')).toHaveLength(1);
          for (const path of paths) {
            expect(asked(timing, path), path).toHaveLength(1);
            expect(asked(timing, path)[0]?.serverMs, path).not.toBeNull();
          }
        }
      }
      // Without a session the early request fails; after logging in with a daemon token the view asks again.
      const stranger = await ownBrowser.newContext();
      const fresh = await stranger.newPage();
      await fresh.goto(`${base}#/history`);
      const { read } = JSON.parse(readFileSync(join(project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
      await fresh.getByLabel('Login token').fill(read);
      await fresh.getByRole('button', { name: 'Log in' }).click();
      await fresh.getByText('Page 1 (25 releases)').waitFor({ timeout: 15_000 });
      expect(await fresh.locator('tbody tr').count()).toBe(25);
      await stranger.close();

      // Paging through the UI, page by page with the API's cursors, reaches the old release (bounded walk).
      await page.goto(`${base}#/history`);
      await page.getByText('Page 1 (25 releases)').waitFor({ timeout: 30_000 });
      let pages = 1;
      while ((await page.getByRole('link', { name: old, exact: true }).count()) === 0 && pages < 60) {
        await page.getByRole('button', { name: 'Older' }).click();
        pages += 1;
        await page.getByText(new RegExp(`^Page ${pages} \\([1-9]\\d* releases\\)$`)).waitFor({ timeout: 15_000 });
      }
      expect(pages).toBe(40);
      expect(await page.locator('tbody tr').count()).toBe(25);
      expect(await page.locator('tbody').textContent()).toContain('→ 1.0.9');
      await page.getByRole('button', { name: 'Newer' }).click();
      await page.getByText('Page 39 (25 releases)').waitFor({ timeout: 15_000 });
      expect(await page.getByRole('link', { name: old, exact: true }).count()).toBe(0);
      expect(await page.locator('tbody').textContent()).toContain('→ 1.0.34');
      // The outcome and version filters are the API's: 143 of the 1,000 rolled back, six pages of them.
      await page.getByLabel('Outcome').selectOption('rolled_back');
      await page.getByText('Page 1 (25 releases)').waitFor({ timeout: 15_000 });
      expect(new Set(await page.locator('tbody .badge').allTextContents())).toEqual(new Set(['rolled_back']));
      for (let n = 2; n <= 6; n++) {
        await page.getByRole('button', { name: 'Older' }).click();
        await page.getByText(new RegExp(`^Page ${n} \\(\\d+ releases\\)$`)).waitFor({ timeout: 15_000 });
      }
      expect(await page.getByText('Page 6 (18 releases)').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
      await page.getByLabel('Version').fill('1.0.9');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('Page 1 (0 releases)').waitFor({ timeout: 15_000 });
      await page.getByLabel('Outcome').selectOption('');
      await page.getByText('Page 1 (1 releases)').waitFor({ timeout: 15_000 });
      expect(await page.getByRole('link', { name: old, exact: true }).count()).toBe(1);
    } finally {
      await ownBrowser.close();
    }
  }, 180_000);
});
