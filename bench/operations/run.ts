// Operations benchmark: a real detached daemon running 200 monitors (HTTP checks against a small local server) at a
// 10 s interval and 50 alert rules, for a while. Reports the daemon's CPU (% of one core), its resident memory over
// time (start, end, max) and the lateness of scheduled runs (p50/p99, the scheduler's own measure, read from the
// daemon's /metrics as glidepath_scheduler_lateness_seconds), with the load average beside them.
// Usage: npx tsx bench/operations/run.ts [--duration 10m] [--monitors 200] [--rules 50] [--interval 10s] [--profile DIR]
//        [--node-flags "--heap-prof --heap-prof-dir=DIR"] (Node flags for the daemon, which then runs in the foreground)
//        (needs `npm run build` first)
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { parseDuration } from '../../src/shared/duration.js';
import { freePort } from '../../src/shared/free-port.js';
import { DaemonRig, load, option as opt, sleep, usage } from '../daemon-rig.js';

const DURATION_MS = parseDuration(opt('--duration', '10m')) ?? 600_000;
const MONITORS = Math.max(1, Number(opt('--monitors', '200')));
const RULES = Math.max(0, Number(opt('--rules', '50')));
const INTERVAL = opt('--interval', '10s');
// --profile DIR: the daemon runs with --cpu-prof (written to DIR when it stops) and writes a heap snapshot to DIR
// right after the warm-up and at the end (SIGUSR2), to compare what it retains.
const PROFILE = process.argv.includes('--profile') ? resolve(opt('--profile', 'bench-profile')) : undefined;
const NODE_FLAGS = opt('--node-flags', '').split(' ').filter((flag) => flag !== '');
const WARMUP_MS = 20_000;
const SAMPLE_MS = 5_000;
const rig = new DaemonRig('glidepath-ops-bench-');
const dir = rig.dir;

const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

/** The daemon's /metrics (read with the metrics token): the value of the first series starting with a selector. */
async function scrapeMetrics(daemonPort: number): Promise<(selector: string) => number> {
  const token = readFileSync(join(dir, '.glidepath', 'metrics-token'), 'utf8').trim();
  const metrics = await (await fetch(`http://127.0.0.1:${daemonPort}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  return (selector: string) => {
    const line = metrics.split('\n').find((l) => l.startsWith(selector));
    return line ? Number(line.slice(selector.length).trim()) : Number.NaN;
  };
}

async function main(): Promise<void> {
  let served = 0;
  const server = createServer((_request, response) => {
    served++;
    response.setHeader('content-type', 'application/json');
    response.end('{"ok":true}');
  });
  const backendPort = await freePort();
  await new Promise<void>((done) => server.listen(backendPort, '127.0.0.1', done));
  const daemonPort = await freePort();
  const scrape = () => scrapeMetrics(daemonPort);
  const name = (i: number) => `m${String(i).padStart(3, '0')}`;
  const lines = ['version: 1', 'service: opsbench', `daemon: { listen: "127.0.0.1:${daemonPort}" }`, 'checks:'];
  for (let i = 0; i < MONITORS; i++) lines.push(`  ${name(i)}: { http: { url: "http://127.0.0.1:${backendPort}/${name(i)}" }, interval: ${INTERVAL}, retries: 2 }`);
  lines.push('alerts:');
  // Most rules watch monitors; some read this host's memory and CPU: the kinds a runbook's alert table holds.
  for (let i = 0; i < RULES; i++) {
    if (i % 10 === 8) lines.push(`  - { name: host-memory-${i}, when: { host: memory, max: 99% }, for: 5m, severity: warning }`);
    else if (i % 10 === 9) lines.push(`  - { name: host-cpu-${i}, when: { host: cpu, max: 99% }, for: 5m, severity: warning }`);
    else lines.push(`  - { name: down-${name(i % MONITORS)}, check: ${name(i % MONITORS)}, for: 1m, severity: critical }`);
  }
  rig.writePlan(lines.join('\n'));

  console.error(`bench: ${MONITORS} monitors every ${INTERVAL}, ${RULES} alert rules, ${DURATION_MS / 1000}s measured after a ${WARMUP_MS / 1000}s warm-up; load ${load()}`);
  const profileFlags = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${PROFILE}`] : [];
  const pid = await rig.startDaemon([...profileFlags, ...NODE_FLAGS]);
  const snapshot = async () => {
    if (!PROFILE) return;
    const before = readdirSync(PROFILE).length;
    process.kill(pid, 'SIGUSR2');
    for (let i = 0; i < 600 && readdirSync(PROFILE).length === before; i++) await sleep(100);
  };
  try {
    await sleep(WARMUP_MS);
    await snapshot();
    const servedAtStart = served;
    const heapAtStart = mib((await scrape())('glidepath_daemon_nodejs_heap_size_used_bytes'));
    const start = usage(pid);
    const startedAt = Date.now();
    const loadStart = load();
    const rss: number[] = [start.rssMiB];
    // The JS heap beside the resident memory, read from /metrics every 30 s (not at every sample: a scrape costs CPU).
    const heapUsed: number[] = [heapAtStart];
    let windowCpu = start.cpuS;
    const windows: number[] = [];
    while (Date.now() - startedAt < DURATION_MS) {
      await sleep(Math.min(SAMPLE_MS, DURATION_MS - (Date.now() - startedAt)));
      const now = usage(pid);
      rss.push(now.rssMiB);
      if (rss.length % 6 === 1) heapUsed.push(mib((await scrape())('glidepath_daemon_nodejs_heap_size_used_bytes')));
      windows.push(((now.cpuS - windowCpu) / (SAMPLE_MS / 1000)) * 100);
      windowCpu = now.cpuS;
    }
    const end = usage(pid);
    const elapsedS = (Date.now() - startedAt) / 1000;
    const loadEnd = load();
    const series = await scrape();
    await snapshot();
    const monitors = JSON.parse(rig.cli(['monitors', '--json']).stdout) as { monitors: { status: string }[] };
    const result = {
      monitors: MONITORS,
      interval: INTERVAL,
      rules: RULES,
      measuredS: Math.round(elapsedS),
      checksServed: served - servedAtStart,
      monitorsUp: monitors.monitors.filter((m) => m.status === 'up').length,
      cpuPercentOfOneCore: +(((end.cpuS - start.cpuS) / elapsedS) * 100).toFixed(2),
      cpuPercentMax5s: +Math.max(...windows).toFixed(2),
      rssMiB: { start: +start.rssMiB.toFixed(1), end: +end.rssMiB.toFixed(1), max: +Math.max(...rss).toFixed(1), min: +Math.min(...rss).toFixed(1) },
      rssMiBOverTime: rss.filter((_, i) => i % Math.max(1, Math.round(rss.length / 12)) === 0).map((v) => +v.toFixed(1)),
      latenessMs: {
        p50: +(series('glidepath_scheduler_lateness_seconds{quantile="0.5"}') * 1000).toFixed(2),
        p90: +(series('glidepath_scheduler_lateness_seconds{quantile="0.9"}') * 1000).toFixed(2),
        p99: +(series('glidepath_scheduler_lateness_seconds{quantile="0.99"}') * 1000).toFixed(2),
        runs: series('glidepath_scheduler_lateness_seconds_count'),
      },
      heapMiB: { used: mib(series('glidepath_daemon_nodejs_heap_size_used_bytes')), total: mib(series('glidepath_daemon_nodejs_heap_size_total_bytes')), external: mib(series('glidepath_daemon_nodejs_external_memory_bytes')) },
      heapUsedMiBOverTime: heapUsed,
      loadAverage: { start: loadStart, end: loadEnd },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await rig.stopDaemon(pid);
    await new Promise((done) => server.close(done));
    rig.remove();
  }
}

await main();
