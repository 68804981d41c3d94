// Proxy benchmark (issue 3, point 7): wrk against the backend directly, glidepath's proxy, nginx and HAProxy, each
// with the same 90/10 split over two backend ports, one run on this machine. Not a timed test: it prints figures.
// Usage: npx tsx bench/proxy/run.ts [--duration 10s] [--connections 50]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const DURATION = opt('--duration', '10s');
const CONNECTIONS = opt('--connections', '50');
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

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
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

/** CPU seconds (user + system) used so far by `pids` and their threads. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  }
  return ticks / CLK_TCK;
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  cpuUsPerRequest: number | null;
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(port: number, duration: string): { rps: number; p50: number; p99: number; requests: number; non2xx: number } {
  const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${duration}`, '--latency', `http://127.0.0.1:${port}/`]).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1];
  if (socketErrors) process.stderr.write(`  wrk socket errors on :${port}: ${socketErrors}\n`);
  return { rps, requests, non2xx, p50: ms(/ 50%\s+(\S+)/.exec(out)?.[1] ?? ''), p99: ms(/ 99%\s+(\S+)/.exec(out)?.[1] ?? '') };
}

function measure(name: string, port: number, pids: number[] | null): Result {
  wrk(port, '2s'); // warm-up: JIT, connection pools
  const cpu0 = pids ? cpuSeconds(pids) : 0;
  const r = wrk(port, DURATION);
  const cpu = pids ? cpuSeconds(pids) - cpu0 : 0;
  if (r.non2xx > 0) process.stderr.write(`  ${name}: ${r.non2xx} non-2xx responses\n`);
  const result = { name, ...r, cpuUsPerRequest: pids ? (cpu / r.requests) * 1e6 : null };
  process.stderr.write(`  ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms\n`);
  return result;
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

  const nginxPids = [nginx.pid as number, ...childPids(nginx.pid as number)];
  const results = [
    measure('backend direct', backA, [backend.pid as number, ...childPids(backend.pid as number)]),
    measure('nginx 1 worker', nginxPort, nginxPids),
    measure('HAProxy nbthread 1', haproxyPort, [haproxy.pid as number]),
    measure('glidepath (worker thread)', glidePort, [glide.pid as number]),
  ];
  const ref = results[1] as Result;
  const rows = results.map((r) => {
    const cpu = r.cpuUsPerRequest === null ? '–' : r.cpuUsPerRequest.toFixed(1);
    const cpuRatio = r.cpuUsPerRequest === null || ref.cpuUsPerRequest === null ? '–' : (r.cpuUsPerRequest / ref.cpuUsPerRequest).toFixed(2);
    return `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${cpu} | ${(r.rps / ref.rps).toFixed(2)} | ${(r.p99 / ref.p99).toFixed(2)} | ${cpuRatio} |`;
  });
  process.stdout.write(
    `wrk -t1 -c${CONNECTIONS} -d${DURATION} (after a 2 s warm-up); 90/10 split over two backend ports; CPU from /proc/<pid>/stat\n\n` +
      '| target | req/s | p50 ms | p99 ms | CPU µs/req | req/s vs nginx | p99 vs nginx | CPU vs nginx |\n' +
      '|---|---:|---:|---:|---:|---:|---:|---:|\n' +
      `${rows.join('\n')}\n`,
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
