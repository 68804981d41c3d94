/**
 * False rollbacks with real releases: one project, one real daemon (`glidepath deploy` starts it), the process
 * target with the built-in proxy and the sample service, steady keep-alive load through the proxy; then N canary
 * releases in a row of a version identical to stable (both answer 1% of requests with a 500), each judged only by
 * `compare: error_rate` every interval during a pause at the canary weight. A release that ends rolled back is a
 * false rollback.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Load } from '../../src/load/steady-load.js';
import { freePort } from '../../src/shared/free-port.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { runCli, serviceProcessesIn } from '../glidepath-cli.js';


/** How the real A/A releases run. */
export interface RealAaOptions {
  releases: number;
  weight: number;
  errorRate: number;
  alpha: number;
  tolerance: number;
  interval: string;
  pause: string;
  minRequests: number;
}

/** One release's end. */
export interface RealAaRelease {
  version: string;
  status: string;
  reason: string;
  /** Analysis rounds of the compare metric, and canary requests in its last one. */
  looks: number;
  canaryRequests: number;
}

/** Runs the releases and reports each; the daemon is stopped (`glidepath down`) and the project removed after. */
export async function runRealAa(options: RealAaOptions, log: (line: string) => void): Promise<RealAaRelease[]> {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-bench-aa-'));
  const proxyPort = await freePort();
  const daemonPort = await freePort();
  const versions = Array.from({ length: options.releases + 1 }, (_, i) => `v${i}`);
  for (const version of versions) {
    mkdirSync(join(dir, 'releases', version), { recursive: true });
    writeFileSync(join(dir, 'releases', version, 'service.json'), JSON.stringify({ ERROR_RATE: options.errorRate }));
  }
  writeFileSync(
    join(dir, 'glidepath.yaml'),
    [
      ...processPlanLines('aa', daemonPort, proxyPort),
      'strategy:',
      '  canary:',
      `    steps: [{ weight: ${options.weight} }, { pause: ${options.pause} }]`,
      'analysis:',
      `  interval: ${options.interval}`,
      `  minRequests: ${options.minRequests}`,
      '  onInconclusive: continue',
      '  metrics:',
      `    - { name: vs-stable, compare: error_rate, alpha: ${options.alpha}, tolerance: ${options.tolerance} }`,
      '',
    ].join('\n'),
  );
  const results: RealAaRelease[] = [];
  let load: Load | undefined;
  try {
    const first = await runCli(dir, ['deploy', 'v0', '--json'], 300_000);
    if (first.code !== 0) throw new Error(`deploy v0 exited ${String(first.code)}:\n${first.stderr}`);
    load = Load.start({ url: `http://127.0.0.1:${proxyPort}/`, clients: 4, gapMs: 10, maxSeconds: 24 * 3600 });
    await load.waitForRequests(200, 30_000);
    for (const version of versions.slice(1)) {
      const run = await runCli(dir, ['deploy', version, '--json'], 300_000);
      if (run.code !== 0 && run.code !== 1) throw new Error(`deploy ${version} exited ${String(run.code)}:\n${run.stderr}`);
      const release = JSON.parse(run.stdout) as { status: string; reason: string | null; analysis: { metric: string; samples?: number }[] };
      const looks = release.analysis.filter((a) => a.metric === 'vs-stable');
      const result = { version, status: release.status, reason: release.reason ?? '', looks: looks.length, canaryRequests: looks.at(-1)?.samples ?? 0 };
      results.push(result);
      log(`${version}: ${result.status} after ${result.looks} looks, ${result.canaryRequests} canary requests (load ${loadavg()[0]?.toFixed(2) ?? '?'})${result.status === 'succeeded' ? '' : `: ${result.reason}`}`);
    }
    return results;
  } finally {
    await load?.stop();
    await runCli(dir, ['down'], 70_000).catch(() => undefined);
    // A safety net: `down` stops every version; anything left in this project is ours to stop, by its own id.
    for (const pid of serviceProcessesIn(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
