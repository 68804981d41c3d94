// Operations benchmark: a real detached daemon running 200 monitors (HTTP checks against a small local server) at a
// 10 s interval and 50 alert rules, for a while. Reports the daemon's CPU (% of one core), its resident memory over
// time (start, end, max) and the lateness of scheduled runs (p50/p99, the scheduler's own measure, read from the
// daemon's /metrics as glidepath_scheduler_lateness_seconds), with the load average beside them.
// Usage: npx tsx bench/operations/run.ts [--duration 10m] [--monitors 200] [--rules 50] [--interval 10s]
//        (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDuration } from '../../src/shared/duration.js';
import { freePort } from '../../src/shared/free-port.js';

const opt = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const DURATION_MS = parseDuration(opt('--duration', '10m')) ?? 600_000;
const MONITORS = Math.max(1, Number(opt('--monitors', '200')));
const RULES = Math.max(0, Number(opt('--rules', '50')));
const INTERVAL = opt('--interval', '10s');
const WARMUP_MS = 20_000;
const SAMPLE_MS = 5_000;
const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'glidepath.js');
const TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;
const dir = mkdtempSync(join(tmpdir(), 'glidepath-ops-bench-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** utime + stime of a process in seconds, and its resident set in MiB. */
function usage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS;
  const rssPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return { cpuS, rssMiB: (rssPages * PAGE) / 2 ** 20 };
}

const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

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
  writeFileSync(join(dir, 'glidepath.yaml'), `${lines.join('\n')}\n`);

  console.error(`bench: ${MONITORS} monitors every ${INTERVAL}, ${RULES} alert rules, ${DURATION_MS / 1000}s measured after a ${WARMUP_MS / 1000}s warm-up; load ${load()}`);
  const up = cli(['up', '--detach', '--json']);
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
  const pid = (JSON.parse(up.stdout) as { pid: number }).pid;
  try {
    await sleep(WARMUP_MS);
    const servedAtStart = served;
    const start = usage(pid);
    const startedAt = Date.now();
    const loadStart = load();
    const rss: number[] = [start.rssMiB];
    let windowCpu = start.cpuS;
    const windows: number[] = [];
    while (Date.now() - startedAt < DURATION_MS) {
      await sleep(Math.min(SAMPLE_MS, DURATION_MS - (Date.now() - startedAt)));
      const now = usage(pid);
      rss.push(now.rssMiB);
      windows.push(((now.cpuS - windowCpu) / (SAMPLE_MS / 1000)) * 100);
      windowCpu = now.cpuS;
    }
    const end = usage(pid);
    const elapsedS = (Date.now() - startedAt) / 1000;
    const loadEnd = load();
    const token = readFileSync(join(dir, '.glidepath', 'metrics-token'), 'utf8').trim();
    const metrics = await (await fetch(`http://127.0.0.1:${daemonPort}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const series = (selector: string) => {
      const line = metrics.split('\n').find((l) => l.startsWith(selector));
      return line ? Number(line.slice(selector.length).trim()) : Number.NaN;
    };
    const monitors = JSON.parse(cli(['monitors', '--json']).stdout) as { monitors: { status: string }[] };
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
      loadAverage: { start: loadStart, end: loadEnd },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    cli(['down']);
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await new Promise((done) => server.close(done));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
