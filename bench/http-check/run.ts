// HTTP check transport benchmark: the CPU the checking process spends per 1,000 `http` checks against a local
// server, for the check as it is (node:http with keep-alive agents) and for the same check on `fetch` (what it was
// built on before: undici's fetch, its Headers and its body stream), measured side by side in one run. The server
// runs in a child process so its CPU is not counted. Both go through `runCheck` (timeout signal, probe frame) the way
// a monitor's beat does, with a few checks in flight at a time. Rounds alternate (fetch, node:http, fetch, …) so that
// the load of a shared machine falls on both alike; the ratio of their medians is the figure to read.
// --rate N starts N checks a second instead of one as another ends (the daemon's 200 monitors at 10 s are 20 a
// second): a process woken for each check costs more per check than one kept busy.
// Usage: npx tsx bench/http-check/run.ts [--checks 2000] [--rounds 5] [--concurrency 4] [--rate 20]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import type { Check } from '../../src/checks/check.js';
import { createHttpCheck, httpCheckSchema, MAX_BODY_BYTES } from '../../src/checks/http/index.js';
import { elapsedSince, probe } from '../../src/checks/probe.js';
import { runCheck } from '../../src/checks/run-check.js';
import { freePort } from '../../src/shared/free-port.js';

const opt = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const CHECKS = Number(opt('--checks', '2000'));
const ROUNDS = Number(opt('--rounds', '5'));
const CONCURRENCY = Number(opt('--concurrency', '4'));
const RATE = Number(opt('--rate', '0'));
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

const SERVER = `
const { createServer } = require('node:http');
const server = createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); });
server.listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

/** The check as it was on fetch: one request, the body read from its stream, the status judged (as the bench's plan asks). */
function fetchCheck(url: string): Check {
  return {
    kind: 'http',
    run: ({ signal }) =>
      probe(signal, async (signal) => {
        const started = performance.now();
        const response = await fetch(url, { method: 'GET', headers: new Headers({}), redirect: 'manual', signal });
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const chunks: Uint8Array[] = [];
        let size = 0;
        try {
          while (size < MAX_BODY_BYTES) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks.push(value);
            size += value.byteLength;
          }
        } finally {
          await reader.cancel().catch(() => undefined);
        }
        Buffer.concat(chunks).toString('utf8');
        const latencyMs = elapsedSince(started);
        const ok = response.status >= 200 && response.status < 300;
        return { status: ok ? 'pass' : 'fail', detail: `GET ${url} → ${response.status} in ${latencyMs}ms`, data: { status: response.status, latencyMs } };
      }, { label: `GET ${url}` }),
  };
}

/** Runs `CHECKS` checks, `CONCURRENCY` at a time; returns the CPU ms this process spent per 1,000. */
async function measure(check: Check): Promise<{ cpuMsPer1000: number; failed: number }> {
  let next = 0;
  let failed = 0;
  const before = process.cpuUsage();
  const one = async () => {
    if ((await runCheck(check, { timeoutMs: 10_000 })).status !== 'pass') failed++;
  };
  if (RATE > 0) {
    const started = performance.now();
    const running: Promise<void>[] = [];
    for (let i = 0; i < CHECKS; i++) {
      const wait = started + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      running.push(one());
    }
    await Promise.all(running);
  } else {
    const worker = async () => {
      while (next++ < CHECKS) await one();
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  const used = process.cpuUsage(before);
  return { cpuMsPer1000: ((used.user + used.system) / 1000 / CHECKS) * 1000, failed };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const port = await freePort();
  const server = spawn(process.execPath, ['-e', SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((ready, fail) => {
      server.stdout.once('data', () => ready());
      server.once('exit', (code) => fail(new Error(`the server exited (${String(code)})`)));
    });
    const url = `http://127.0.0.1:${port}/health`;
    const contenders: Record<string, Check> = {
      fetch: fetchCheck(url),
      'node:http': createHttpCheck(httpCheckSchema.parse({ url }), { cwd: process.cwd(), variables: {} }),
    };
    console.error(`bench: ${CHECKS} checks × ${ROUNDS} rounds each, ${RATE > 0 ? `${String(RATE)} a second` : `${String(CONCURRENCY)} in flight`}, against ${url}; load ${load()}`);
    for (const check of Object.values(contenders)) await measure(check); // warm-up: JIT, connections
    const rounds: Record<string, number[]> = { fetch: [], 'node:http': [] };
    let failed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, check] of Object.entries(contenders)) {
        const result = await measure(check);
        rounds[name]?.push(+result.cpuMsPer1000.toFixed(1));
        failed += result.failed;
      }
    }
    const fetchMs = median(rounds.fetch ?? []);
    const nodeMs = median(rounds['node:http'] ?? []);
    console.log(
      JSON.stringify(
        { checks: CHECKS, rounds: ROUNDS, concurrency: RATE > 0 ? undefined : CONCURRENCY, ratePerS: RATE > 0 ? RATE : undefined, failed, cpuMsPer1000Checks: rounds, median: { fetch: fetchMs, 'node:http': nodeMs }, fetchOverNodeHttp: +(fetchMs / nodeMs).toFixed(2), loadAverageAtEnd: load() },
        null,
        2,
      ),
    );
  } finally {
    server.kill();
  }
}

await main();
