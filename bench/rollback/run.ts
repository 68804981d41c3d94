// Rollback benchmark: how fast a bad canary is rolled back, and how many requests users saw fail meanwhile.
// For canaries with 5% and 20% errors at first-step weights 10% and 20%, on the process target with the built-in
// proxy and real sample-service processes, under steady keep-alive load through the proxy. Not a timed test.
//
// Usage: npm run build && npx tsx bench/rollback/run.ts [--runs 3] [--interval 1s] [--min-requests 10] [--max 0.02]
//        [--clients 4] [--gap-ms 10]
//
// For each run: a temp project, `glidepath deploy v1` (starts the daemon), steady load, `glidepath deploy v2 --json`
// where v2's service.json sets ERROR_RATE, then `glidepath down`. Timestamps come from two sides of the same clock:
// the load's own view (X-Version of every answer) and the release's steps and events in the store.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { Load, type LoadSample } from '../../src/load/steady-load.js';
import { freePort } from '../../src/shared/free-port.js';
import { GLIDEPATH_BIN, runCli, serviceProcessesIn } from '../glidepath-cli.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const RUNS = Number(opt('--runs', '3'));
const INTERVAL = opt('--interval', '1s');
const MIN_REQUESTS = Number(opt('--min-requests', '10'));
const MAX_ERROR_RATE = Number(opt('--max', '0.02'));
const CLIENTS = Number(opt('--clients', '4'));
const GAP_MS = Number(opt('--gap-ms', '10'));
const CASES: { errorRate: number; weight: number }[] = [
  { errorRate: 0.05, weight: 10 },
  { errorRate: 0.05, weight: 20 },
  { errorRate: 0.2, weight: 10 },
  { errorRate: 0.2, weight: 20 },
];


interface Result {
  errorRate: number;
  weight: number;
  run: number;
  status: string;
  reason: string;
  /** Requests the bad version answered, and of those, failed. */
  canaryRequests: number;
  /** Requests users saw fail during the release (5xx or no answer), from any version. */
  failed: number;
  /** Of those, failures that were not a 500 of the bad version itself (glidepath's own: should be 0). */
  otherFailed: number;
  totalRequests: number;
  rps: number;
  /** Seconds from the bad version's first request to the decision, and to the weights back at stable. */
  toDecision: number;
  toRollback: number;
  /** Milliseconds from the decision to the weights applied at stable (the engine's part). */
  decisionToWeights: number;
  /** Seconds from the first to the last request the bad version answered (the users' view). */
  exposure: number;
}

async function oneRun(errorRate: number, weight: number, run: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-bench-rollback-'));
  const proxyPort = await freePort();
  const daemonPort = await freePort();
  for (const [version, settings] of Object.entries({ v1: {}, v2: { ERROR_RATE: errorRate } })) {
    mkdirSync(join(dir, 'releases', version), { recursive: true });
    writeFileSync(join(dir, 'releases', version, 'service.json'), JSON.stringify(settings));
  }
  writeFileSync(
    join(dir, 'glidepath.yaml'),
    [
      ...processPlanLines('bench', daemonPort, proxyPort),
      'strategy:',
      '  canary:',
      // Long pauses: the rollback has to come from analysis at the first weight (or the 50% one if it misses).
      `    steps: [{ weight: ${weight} }, { pause: 30s }, { weight: 50 }, { pause: 30s }]`,
      'analysis:',
      `  interval: ${INTERVAL}`,
      `  minRequests: ${MIN_REQUESTS}`,
      '  onInconclusive: continue',
      '  metrics:',
      `    - { name: errors, metric: error_rate, max: ${MAX_ERROR_RATE} }`,
      '',
    ].join('\n'),
  );
  const samples: LoadSample[] = [];
  let load: Load | undefined;
  try {
    const first = await runCli(dir, ['deploy', 'v1', '--json'], 120_000);
    if (first.code !== 0) throw new Error(`deploy v1 exited ${String(first.code)}:\n${first.stderr}`);
    load = Load.start({ url: `http://127.0.0.1:${proxyPort}/`, clients: CLIENTS, gapMs: GAP_MS, maxSeconds: 150, onResponse: (s) => samples.push(s) });
    await load.waitForRequests(200);
    const deployAt = Date.now();
    const deploy = await runCli(dir, ['deploy', 'v2', '--json'], 120_000);
    const release = JSON.parse(deploy.stdout) as { id: string; status: string; reason: string | null };
    // A little more load after the end, to see that nothing reaches v2 any more.
    await new Promise((r) => setTimeout(r, 1_000));
    const endAt = Date.now();
    await load.stop();
    load = undefined;

    const store = await openStore(`sqlite:${join(dir, '.glidepath', 'state.db')}`, { baseDir: dir });
    const steps = await store.steps.listForRelease(release.id);
    const events = await store.events.list({ releaseId: release.id, limit: 10_000 });
    await store.close();
    const rollbackStep = steps.find((s) => s.kind === 'rollback');
    const decision = events.find((e) => e.type === 'release.decision');
    if (!rollbackStep?.finishedAt || !decision) throw new Error(`release ${release.id} of v2 ended ${release.status} without a rollback: ${release.reason ?? ''}`);

    const during = samples.filter((s) => s.sentAt >= deployAt && s.sentAt <= endAt);
    const canary = during.filter((s) => s.version === 'v2');
    const firstBad = Math.min(...canary.map((s) => s.sentAt));
    const lastBad = Math.max(...canary.map((s) => s.sentAt));
    const weightsBack = Date.parse(rollbackStep.finishedAt);
    const decidedAt = Date.parse(decision.at);
    const seconds = (during.at(-1)?.at ?? endAt) - (during[0]?.sentAt ?? deployAt);
    return {
      errorRate,
      weight,
      run,
      status: release.status,
      reason: release.reason ?? '',
      canaryRequests: canary.length,
      failed: during.filter((s) => s.error !== undefined || s.status >= 500).length,
      otherFailed: during.filter((s) => (s.error !== undefined || s.status >= 500) && !(s.status === 500 && s.version === 'v2')).length,
      totalRequests: during.length,
      rps: during.length / (seconds / 1000),
      toDecision: (decidedAt - firstBad) / 1000,
      toRollback: (weightsBack - firstBad) / 1000,
      decisionToWeights: weightsBack - decidedAt,
      exposure: (lastBad - firstBad) / 1000,
    };
  } finally {
    await load?.stop();
    await runCli(dir, ['down'], 70_000).catch(() => undefined);
    for (const pid of serviceProcessesIn(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build first');
  const results: Result[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const { errorRate, weight } of CASES) {
      const result = await oneRun(errorRate, weight, run);
      results.push(result);
      process.stderr.write(
        `${basename(GLIDEPATH_BIN)} run ${run}: ${errorRate * 100}% errors at ${weight}% → ${result.status} in ${result.toRollback.toFixed(2)}s, ${result.failed} failed of ${result.totalRequests} (${result.reason})\n`,
      );
    }
  }
  const f = (n: number, digits = 2) => n.toFixed(digits);
  const lines = [
    `Settings: analysis interval ${INTERVAL}, minRequests ${MIN_REQUESTS}, error_rate max ${MAX_ERROR_RATE}, failureLimit 0; ` +
      `load ${CLIENTS} keep-alive clients with ${GAP_MS} ms between requests; ${RUNS} run(s) per case.`,
    '',
    '| canary errors | first weight | run | rollback status | req/s | requests to bad version | first bad request → decision s | → weights at stable s | decision → weights ms | last bad request s | failed requests users saw | not a 500 of the bad version | of all requests |',
    '|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.errorRate * 100}% | ${r.weight}% | ${r.run} | ${r.status} | ${f(r.rps, 0)} | ${r.canaryRequests} | ${f(r.toDecision)} | ${f(r.toRollback)} | ${f(r.decisionToWeights, 0)} | ${f(r.exposure)} | ${r.failed} | ${r.otherFailed} | ${r.totalRequests} |`,
    );
  }
  lines.push('', '| canary errors | first weight | median → weights at stable s | max s | median failed requests | max |', '|---:|---:|---:|---:|---:|---:|');
  for (const { errorRate, weight } of CASES) {
    const mine = results.filter((r) => r.errorRate === errorRate && r.weight === weight);
    lines.push(
      `| ${errorRate * 100}% | ${weight}% | ${f(median(mine.map((r) => r.toRollback)))} | ${f(Math.max(...mine.map((r) => r.toRollback)))} | ${median(mine.map((r) => r.failed))} | ${Math.max(...mine.map((r) => r.failed))} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
