// Load generator benchmark: `glidepath bench`, autocannon and wrk (and a client on node:http's Agent, to show what
// the raw-socket client buys), each at its maximum req/s against the same
// server (bench/generator/server.mjs, node:http, a 11-byte JSON body, keep-alive) in one run. Not a timed test: it
// prints figures.
//
// The machine may be shared, so every generator runs `--rounds` times (default 5), interleaved and in a rotating
// order (round 1 of each, then round 2 of each, …); the table gives the median and the spread, and the ratios are
// medians of per-round ratios. All three are single-threaded (wrk -t1, autocannon without workers, glidepath's
// one event loop) with the same connections and duration. The load average is printed before every measured run.
//
// Usage: npm run build && npx tsx bench/generator/run.ts [--duration 5s] [--connections 10] [--rounds 5]
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDuration } from '../../src/shared/duration.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const DURATION_S = (parseDuration(opt('--duration', '5s')) ?? 5_000) / 1_000;
const CONNECTIONS = Number(opt('--connections', '10'));
const ROUNDS = Math.max(1, Number(opt('--rounds', '5')));
const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = process.execPath;
const work = mkdtempSync(join(tmpdir(), 'glidepath-bench-generator-'));
let server: ChildProcess | undefined;

function startServer(): Promise<number> {
  const child = spawn(NODE, [join(ROOT, 'bench', 'generator', 'server.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  server = child;
  return new Promise((resolvePort, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`the server exited with ${String(code)}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /listening (\d+)/.exec(out)?.[1];
      if (port !== undefined) resolvePort(Number(port));
    });
  });
}

const run = (program: string, argv: string[], cwd = work): string => execFileSync(program, argv, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });

type Generator = { name: string; rps: (url: string) => number };

const generators: Generator[] = [
  {
    name: 'glidepath bench',
    rps: (url) => {
      const plan = `version: 1\nservice: generator-bench\nbench:\n  url: ${url}\n  duration: ${DURATION_S}s\n  connections: ${CONNECTIONS}\n  requests: [ { path: / } ]\n`;
      writeFileSync(join(work, 'glidepath.yaml'), plan);
      const doc = JSON.parse(run(NODE, [join(ROOT, 'bin', 'glidepath.js'), 'bench', '--json'])) as { rps: number; errors: number };
      if (doc.errors > 0) throw new Error(`glidepath bench saw ${doc.errors} errors`);
      return doc.rps;
    },
  },
  {
    name: 'autocannon',
    rps: (url) => {
      const out = JSON.parse(run(NODE, [join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-j', '-c', String(CONNECTIONS), '-d', String(DURATION_S), `${url}/`])) as {
        requests: { total: number };
        duration: number;
        errors: number;
        non2xx: number;
      };
      if (out.errors + out.non2xx > 0) throw new Error(`autocannon saw ${out.errors + out.non2xx} errors`);
      return out.requests.total / out.duration;
    },
  },
  {
    name: 'node:http Agent',
    rps: (url) => {
      const out = JSON.parse(run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bench', 'generator', 'node-http-client.ts'), url, String(CONNECTIONS), String(DURATION_S)])) as { rps: number; failed: number };
      if (out.failed > 0) throw new Error(`the node:http client saw ${out.failed} failures`);
      return out.rps;
    },
  },
  {
    name: 'wrk',
    rps: (url) => {
      const out = run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, `${url}/`]);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
      if (rps === undefined || /Non-2xx|Socket errors/.test(out)) throw new Error(`wrk: ${out}`);
      return Number(rps);
    },
  },
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const port = await startServer();
  const url = `http://127.0.0.1:${port}`;
  const versions = {
    node: process.version,
    autocannon: run(NODE, [join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '--version']).trim().split('\n')[0],
    // wrk -v prints its version and exits 1
    wrk: /wrk (\S+)/.exec(spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout)?.[1] ?? '?',
  };
  console.log(`${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${JSON.stringify(versions)}`);
  console.log(`each: ${CONNECTIONS} keep-alive connections, ${DURATION_S}s, ${ROUNDS} rounds, GET / → 200, 11-byte body\n`);
  run(NODE, [join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-c', String(CONNECTIONS), '-d', '1', `${url}/`]); // warm the server up
  const results = new Map<string, number[]>(generators.map((g) => [g.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < generators.length; k++) {
      const generator = generators[(round + k) % generators.length] as Generator;
      const before = load();
      const rps = generator.rps(url);
      results.get(generator.name)?.push(rps);
      console.log(`round ${round + 1}  ${generator.name.padEnd(16)} ${rps.toFixed(0).padStart(7)} req/s   (load average before: ${before})`);
    }
  }
  const ours = results.get('glidepath bench') ?? [];
  console.log('\ngenerator          median req/s   min–max          glidepath ÷ it (median of per-round ratios)');
  for (const [name, values] of results) {
    const ratio = name === 'glidepath bench' ? '' : `${median(ours.map((v, i) => v / (values[i] ?? Number.NaN))).toFixed(2)}×`;
    console.log(`${name.padEnd(18)} ${median(values).toFixed(0).padStart(12)}   ${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`.padEnd(52) + ratio);
  }
  console.log(`\nload average after: ${load()}`);
}

try {
  await main();
} finally {
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
