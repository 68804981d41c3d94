/** `glidepath demo`: a good and a bad release of a sample service on this machine, start to finish. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ReleaseDocument, StartedDocument } from '../api/contract.js';
import { DEMO_RELEASES, writeDemoProject } from '../demo/demo-project.js';
import { Load, type LoadReport } from '../load/steady-load.js';
import { loadPlan, type LoadedPlan } from '../plan/load.js';
import { EXIT } from '../shared/errors.js';
import { freePort } from '../shared/free-port.js';
import { processAlive } from '../shared/process-alive.js';
import type { CliContext } from './context.js';
import { followRelease } from './deploy.js';
import { findDaemon } from './daemon-connection.js';
import { renderTable } from './output.js';
import { startDetachedDaemon } from './up.js';

/** Longest a demo release may take before the demo aborts it. */
const RELEASE_DEADLINE_MS = 45_000;

interface DemoOutcome {
  version: string;
  story: string;
  expected: string;
  status: string;
  reason: string | null;
  seconds: number | null;
  /** What the demo's users saw during this release. */
  load: Pick<LoadReport, 'requests' | 'failed' | 'byVersion'>;
}

function usersSaw(report: LoadReport | undefined): DemoOutcome['load'] {
  return report === undefined ? { requests: 0, failed: 0, byVersion: {} } : { requests: report.requests, failed: report.failed, byVersion: report.byVersion };
}

async function stopDaemon(loaded: LoadedPlan): Promise<void> {
  const running = await findDaemon(loaded);
  if (!running) return;
  await running.client.post('/v1/shutdown').catch(() => process.kill(running.info.pid, 'SIGTERM'));
  const deadline = Date.now() + 30_000;
  while (processAlive(running.info.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (processAlive(running.info.pid)) process.kill(running.info.pid, 'SIGKILL');
}

/** Registers `glidepath demo`. */
export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('a self-contained walk-through: a first release, a good canary, and two bad ones rolled back')
    .option('--keep', 'keep the demo\'s directory (plan, store, logs) afterwards', false)
    .action(async (opts: { keep: boolean }) => {
      const dir = mkdtempSync(join(tmpdir(), 'glidepath-demo-'));
      const ports = { daemon: await freePort(), proxy: await freePort() };
      const planFile = writeDemoProject(dir, ports);
      const loaded = loadPlan(planFile, ctx.env, dir);
      const demoCtx: CliContext = { ...ctx, out: ctx.out, loadPlan: () => loaded, options: () => ({ ...ctx.options(), file: planFile }) };
      const say = (line: string) => ctx.out.progress(line);
      const outcomes: DemoOutcome[] = [];
      const releases: ReleaseDocument[] = [];
      let load: Load | undefined;
      say(`glidepath demo in ${dir}`);
      // Interrupted or not, the demo stops its daemon and every version before it exits.
      const interrupted = new AbortController();
      const onSignal = () => interrupted.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const url = await startDetachedDaemon(demoCtx, loaded);
        say(`daemon: ${url}  (API docs ${url}/docs, token in ${join(dir, '.glidepath', 'token')})`);
        say(`service: http://127.0.0.1:${ports.proxy}  (the proxy splits traffic between versions)`);
        const daemon = await findDaemon(loaded);
        if (!daemon) throw new Error('the demo daemon started but cannot be found');
        for (const release of DEMO_RELEASES) {
          if (interrupted.signal.aborted) break;
          say(`\n▶ ${release.version}: ${release.story}`);
          load?.reset();
          const { id } = await daemon.client.post<StartedDocument>('/v1/releases', { version: release.version, yes: true, owner: 'glidepath demo' });
          // A release that waits for a person (a pause) would hold the demo forever: past its deadline it is aborted.
          const deadline = setTimeout(() => void daemon.client.post('/v1/release/abort', { by: 'demo deadline' }).catch(() => undefined), RELEASE_DEADLINE_MS);
          const stopOnSignal = () => void daemon.client.post('/v1/release/abort', { by: 'demo interrupted' }).catch(() => undefined);
          interrupted.signal.addEventListener('abort', stopOnSignal);
          const document = await followRelease(demoCtx, daemon, id).finally(() => {
            clearTimeout(deadline);
            interrupted.signal.removeEventListener('abort', stopOnSignal);
          });
          releases.push(document);
          const seconds = document.finishedAt ? (Date.parse(document.finishedAt) - Date.parse(document.startedAt)) / 1000 : null;
          outcomes.push({ version: release.version, story: release.story, expected: release.expect, status: document.status, reason: document.reason, seconds, load: usersSaw(load?.reset()) });
          say(`  → ${document.status}${document.reason ? `: ${document.reason}` : ''}`);
          // Users arrive once the service exists; from then on traffic never stops.
          load ??= Load.start({
            url: `http://127.0.0.1:${ports.proxy}/`,
            clients: 8,
            gapMs: 10,
            versionHeader: 'X-Glidepath-Version',
            // a bound whatever happens: every release at its deadline, and a minute more
            maxSeconds: (DEMO_RELEASES.length * RELEASE_DEADLINE_MS) / 1000 + 60,
          });
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await load?.stop();
        await stopDaemon(loaded).catch(() => undefined);
        if (!opts.keep) rmSync(dir, { recursive: true, force: true });
      }
      const asExpected = outcomes.length === DEMO_RELEASES.length && outcomes.every((o) => o.status === o.expected);
      ctx.out.result({ directory: opts.keep ? dir : null, asExpected, outcomes, releases }, () =>
        [
          '',
          renderTable(
            ['VERSION', 'OUTCOME', 'TOOK', 'REQUESTS', 'FAILED', 'WHY'],
            outcomes.map((o) => [o.version, o.status, o.seconds === null ? '–' : `${o.seconds.toFixed(1)}s`, String(o.load.requests), String(o.load.failed), o.reason ?? '']),
          ),
          '',
          asExpected
            ? 'Every release ended as it should: the good ones promoted, the bad ones rolled back on their own, with the reason recorded.'
            : 'Some release did not end as expected; see the table above.',
          opts.keep ? `The demo's project is kept in ${dir} (glidepath history -f ${join(dir, 'glidepath.yaml')}).` : '',
        ].join('\n'),
      );
      ctx.setExit(asExpected ? EXIT.ok : EXIT.bad);
    });
}
