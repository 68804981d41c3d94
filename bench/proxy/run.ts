// Proxy benchmark: wrk against the backend directly, glidepath's proxy, nginx and HAProxy, each
// with the same 90/10 split over two backend ports, on this machine. Not a timed test: it prints figures.
//
// The machine may be shared, so one run proves little: every contender is measured `--rounds` times (default 5),
// interleaved (round 1 of each, then round 2 of each, …), and the table gives the median and the spread. Ratios
// to nginx are taken within a round (glidepath's round r against nginx's round r, measured seconds apart) and
// their median is what the goal is judged on. The load average is printed before every measured run.
//
// Usage: npx tsx bench/proxy/run.ts [--duration 10s] [--connections 50] [--rounds 5]
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/shared/free-port.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const DURATION = opt('--duration', '10s');
const CONNECTIONS = opt('--connections', '50');
const ROUNDS = Math.max(1, Number(opt('--rounds', '5')));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const work = mkdtempSync(join(tmpdir(), 'glidepath-bench-'));
const children: ChildProcess[] = [];

function need(program: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`]);
  } catch {
    throw new Error(`${program} is missing: apt-get install -y ${pkg}`);
  }
}

function version(cmd: string, argv: string[], pattern: RegExp): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' }); // nginx -v answers on stderr
  return pattern.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?';
}

function start(cmd: string, argv: string[], readyText?: string): Promise<ChildProcess> {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${String(code)}: ${out}`)));
    if (readyText === undefined) setTimeout(() => resolve(child), 300);
    else child.stdout?.on('data', () => out.includes(readyText) && resolve(child));
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('curl', ['-sf', '-o', '/dev/null', `http://127.0.0.1:${port}/`]);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answers on port ${port}`);
}

/** `pid` and all its descendants (nginx's master and workers, say), read from /proc. */
function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** CPU seconds used so far by `pids` (all threads of each), split into user and system time. */
function cpuSeconds(pids: number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    user += Number(fields[11]); // utime and stime: fields 14 and 15 of stat
    system += Number(fields[12]);
  }
  return { user: user / CLK_TCK, system: system / CLK_TCK };
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** µs of CPU per request, all processes of the contender; user and system parts. */
  cpu: number;
  user: number;
  system: number;
  load: string;
}

interface Contender {
  name: string;
  port: number;
  pids: number[];
  runs: Run[];
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(port: number, duration: string): { rps: number; p50: number; p99: number; requests: number; bad: string | null } {
  const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${duration}`, '--latency', `http://127.0.0.1:${port}/`]).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1];
  const bad = [non2xx ? `${non2xx} non-2xx responses` : '', socketErrors ? `socket errors: ${socketErrors}` : ''].filter(Boolean).join('; ');
  return { rps, requests, bad: bad || null, p50: ms(/ 50%\s+(\S+)/.exec(out)?.[1] ?? ''), p99: ms(/ 99%\s+(\S+)/.exec(out)?.[1] ?? '') };
}

const loadText = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

function measure(c: Contender, round: number): void {
  wrk(c.port, '2s'); // warm-up: JIT, connection pools
  const load = loadText();
  const cpu0 = cpuSeconds(c.pids);
  const r = wrk(c.port, DURATION);
  const cpu1 = cpuSeconds(c.pids);
  if (r.bad !== null) process.stderr.write(`  ${c.name}: ${r.bad}\n`);
  const perRequest = (s: number): number => (s / r.requests) * 1e6;
  const user = perRequest(cpu1.user - cpu0.user);
  const system = perRequest(cpu1.system - cpu0.system);
  c.runs.push({ rps: r.rps, p50: r.p50, p99: r.p99, requests: r.requests, cpu: user + system, user, system, load });
  process.stderr.write(
    `  round ${round} ${c.name.padEnd(20)} load ${load} | ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, ` +
      `p99 ${r.p99.toFixed(2)} ms, CPU ${(user + system).toFixed(1)} µs/req (user ${user.toFixed(1)}, system ${system.toFixed(1)})\n`,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** `median (min–max)` of the values, with `digits` decimals. */
function spread(xs: number[], digits: number): string {
  const f = (x: number): string => x.toFixed(digits);
  if (xs.length === 1) return f(xs[0] as number);
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
}

async function main(): Promise<void> {
  need('wrk', 'wrk');
  need('nginx', 'nginx');
  need('haproxy', 'haproxy');
  need('curl', 'curl');
  const [backA, backB, nginxPort, haproxyPort, glidePort] = (await Promise.all([1, 2, 3, 4, 5].map(() => freePort()))) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const body = 'hello from the backend\n';

  // the backend: one nginx worker answering a fixed body on two ports (the "two versions")
  writeFileSync(
    join(work, 'backend.conf'),
    `worker_processes 1; daemon off; pid ${work}/backend.pid; error_log ${work}/backend-error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:${backA}; location / { return 200 '${body}'; } }
  server { listen 127.0.0.1:${backB}; location / { return 200 '${body}'; } } }\n`,
  );
  writeFileSync(
    join(work, 'nginx.conf'),
    `worker_processes 1; daemon off; pid ${work}/nginx.pid; error_log ${work}/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream versions { server 127.0.0.1:${backA} weight=9; server 127.0.0.1:${backB} weight=1; keepalive 64; }
  server { listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://versions; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host; } } }\n`,
  );
  writeFileSync(
    join(work, 'haproxy.cfg'),
    `global
  nbthread 1
defaults
  mode http
  timeout connect 3s
  timeout client 60s
  timeout server 60s
  option forwardfor
  http-reuse always
frontend web
  bind 127.0.0.1:${haproxyPort}
  default_backend versions
backend versions
  balance roundrobin
  server stable 127.0.0.1:${backA} weight 90
  server canary 127.0.0.1:${backB} weight 10\n`,
  );

  const backend = await start('nginx', ['-c', join(work, 'backend.conf'), '-p', work]);
  await waitForPort(backA);
  const nginx = await start('nginx', ['-c', join(work, 'nginx.conf'), '-p', work]);
  await waitForPort(nginxPort);
  const haproxy = await start('haproxy', ['-f', join(work, 'haproxy.cfg'), '-db']);
  await waitForPort(haproxyPort);
  const glide = await start(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'glidepath-proxy.ts'), String(glidePort), String(backA), String(backB)],
    'ready',
  );
  await waitForPort(glidePort);
  const ownPort = await freePort();
  const own = await start(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'glidepath-proxy.ts'), String(ownPort), String(backA), String(backB), '--process'],
    'ready',
  );
  await waitForPort(ownPort);

  const contenders: Contender[] = [
    { name: 'backend direct', port: backA, pids: processTree(backend.pid as number), runs: [] },
    { name: 'nginx 1 worker', port: nginxPort, pids: processTree(nginx.pid as number), runs: [] },
    { name: 'HAProxy nbthread 1', port: haproxyPort, pids: processTree(haproxy.pid as number), runs: [] },
    { name: 'glidepath', port: glidePort, pids: processTree(glide.pid as number), runs: [] },
    { name: 'glidepath, own process', port: ownPort, pids: processTree(own.pid as number), runs: [] },
  ];
  const machine = `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.versions.node}, nginx ${version('nginx', ['-v'], /nginx\/([\d.]+)/)}, HAProxy ${version('haproxy', ['-v'], /version ([\d.]+)/)}`;
  process.stderr.write(`${machine}\nload average before the first round: ${loadText()}\n`);
  for (let round = 1; round <= ROUNDS; round++) for (const c of contenders) measure(c, round);

  const nginxRef = contenders[1] as Contender;
  // ratios within each round, so that both sides of a ratio saw the same machine
  const ratios = (c: Contender, of: (r: Run) => number): number[] =>
    c.runs.map((r, i) => of(r) / of(nginxRef.runs[i] as Run));
  const rows = contenders.map((c) => {
    const cells = [
      c.name,
      spread(c.runs.map((r) => r.rps), 0),
      spread(c.runs.map((r) => r.p50), 2),
      spread(c.runs.map((r) => r.p99), 2),
      spread(c.runs.map((r) => r.cpu), 1),
      `${median(c.runs.map((r) => r.user)).toFixed(1)} / ${median(c.runs.map((r) => r.system)).toFixed(1)}`,
      spread(ratios(c, (r) => r.rps), 2),
      spread(ratios(c, (r) => r.p99), 2),
      spread(ratios(c, (r) => r.cpu), 2),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  const glidepath = contenders[3] as Contender;
  const ownProcess = contenders[4] as Contender;
  const goal = (label: string, values: number[], ok: (x: number) => boolean, bound: string): string => {
    const m = median(values);
    const met = values.filter(ok).length;
    return `- ${label}: median ${m.toFixed(2)}× (goal ${bound}) — ${ok(m) ? 'met' : 'NOT met'} by the median, in ${met} of ${values.length} rounds`;
  };
  const loads = contenders.flatMap((c) => c.runs.map((r) => Number(r.load.split(' ')[0])));
  process.stdout.write(
    `${machine}\n` +
      `wrk -t1 -c${CONNECTIONS} -d${DURATION} --latency, each after a 2 s warm-up; ${ROUNDS} interleaved rounds; 90/10 split over two backend ports\n` +
      `CPU: utime + stime from /proc/<pid>/stat of every process of the contender, per completed request\n` +
      `1-minute load average before the measured runs: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}\n\n` +
      'Cells: median (min–max) over the rounds; ratios are to nginx in the same round.\n\n' +
      '| target | req/s | p50 ms | p99 ms | CPU µs/req | user / system µs/req | req/s vs nginx | p99 vs nginx | CPU vs nginx |\n' +
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n' +
      `${rows.join('\n')}\n\n` +
      'glidepath against the goal (≥ 0.75× nginx req/s, p99 ≤ 1.5×, CPU per request ≤ 2×):\n' +
      `${goal('req/s', ratios(glidepath, (r) => r.rps), (x) => x >= 0.75, '≥ 0.75×')}\n` +
      `${goal('p99', ratios(glidepath, (r) => r.p99), (x) => x <= 1.5, '≤ 1.5×')}\n` +
      `${goal('CPU per request', ratios(glidepath, (r) => r.cpu), (x) => x <= 2, '≤ 2×')}\n` +
      'glidepath as its own process (as the daemon runs it now) against the same goal:\n' +
      `${goal('req/s', ratios(ownProcess, (r) => r.rps), (x) => x >= 0.75, '≥ 0.75×')}\n` +
      `${goal('p99', ratios(ownProcess, (r) => r.p99), (x) => x <= 1.5, '≤ 1.5×')}\n` +
      `${goal('CPU per request', ratios(ownProcess, (r) => r.cpu), (x) => x <= 2, '≤ 2×')}\n`,
  );
}

function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGTERM');
  rmSync(work, { recursive: true, force: true });
}

main().then(
  () => stopAll(),
  (err: unknown) => {
    stopAll();
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
