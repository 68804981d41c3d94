// Daemon-crash benchmark: canary releases under steady load through the proxy, the daemon killed with SIGKILL at
// a random moment of each and started again; then the proxy process itself killed with SIGKILL a few times.
// Reports failed requests, how each release ended, time to serve again after each proxy kill, and leftovers.
// Usage: npx tsx bench/daemon-crash/run.ts [--kills 20] [--proxy-kills 5]   (needs `npm run build` first)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Load, type LoadSample } from '../../src/load/steady-load.js';
import { freePort } from '../../src/shared/free-port.js';
import { TEST_SERVICE_SCRIPT, processPlanLines } from '../../src/testing/test-service.js';
import { DaemonRig, alive, option as opt, sleep } from '../daemon-rig.js';

const KILLS = Math.max(1, Number(opt('--kills', '20')));
const PROXY_KILLS = Math.max(0, Number(opt('--proxy-kills', '5')));
const rig = new DaemonRig('glidepath-crash-');
const dir = rig.dir;
const cli = (args: string[]) => rig.cli(args);
const daemonPid = () => rig.daemonPid();

/** Processes of this project: sample services (by working directory) and proxy processes (by state dir). */
function leftovers(): { services: number[]; proxies: number[]; standbys: number[] } {
  const services: number[] = [];
  const proxies: number[] = [];
  const standbys: number[] = [];
  for (const line of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
    const pid = Number(line.trim().split(/\s+/, 1)[0]);
    if (/proxy-process\.(js|ts) /.test(line) && line.includes(`${dir}/.glidepath`)) (line.trimEnd().endsWith(' --standby') ? standbys : proxies).push(pid);
    if (!line.includes(TEST_SERVICE_SCRIPT)) continue;
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(`${dir}/`)) services.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return { services, proxies, standbys };
}

async function releaseStatus(id: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const run = cli(['show', id, '--json']);
    const status = run.code === 0 ? (JSON.parse(run.stdout) as { status: string }).status : 'unknown';
    if (['succeeded', 'rolled_back', 'failed', 'aborted'].includes(status)) return status;
    await sleep(500);
  }
  return 'still running';
}

async function main(): Promise<void> {
  const [proxyPort, daemonPort] = [await freePort(), await freePort()];
  for (let v = 1; v <= KILLS + 1; v++) {
    mkdirSync(join(dir, 'releases', `v${v}`), { recursive: true });
    writeFileSync(join(dir, 'releases', `v${v}`, 'service.json'), '{}');
  }
  const plan = [
    ...processPlanLines('shop', daemonPort, proxyPort),
    'strategy:\n  canary:\n    steps: [{ weight: 20 }, { pause: 2s }, { weight: 50 }, { pause: 2s }]',
    'analysis:\n  interval: 1s\n  minRequests: 5\n  onInconclusive: continue\n  metrics:\n    - { name: errors, metric: error_rate, max: 0.02 }',
  ].join('\n');
  rig.writePlan(plan);
  const load0 = (loadavg()[0] ?? 0).toFixed(2);
  if (cli(['up', '--detach']).code !== 0 || cli(['deploy', 'v1']).code !== 0) throw new Error('the first release did not succeed');
  const samples: LoadSample[] = [];
  const load = Load.start({ url: `http://127.0.0.1:${proxyPort}/`, clients: 4, gapMs: 15, maxSeconds: 3600, onResponse: (s) => samples.push(s) });
  await load.waitForRequests(40);
  const outcomes: Record<string, number> = {};
  for (let k = 1; k <= KILLS; k++) {
    const started = cli(['deploy', `v${k + 1}`, '--detach', '--json']);
    if (started.code !== 0) throw new Error(`deploy v${k + 1}: ${started.stderr}`);
    const id = (JSON.parse(started.stdout) as { id: string }).id;
    await sleep(200 + Math.random() * 6_000);
    const pid = daemonPid();
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(10);
    if (cli(['up', '--detach']).code !== 0) throw new Error(`up after kill ${k} failed`);
    const status = await releaseStatus(id);
    outcomes[status] = (outcomes[status] ?? 0) + 1;
    process.stderr.write(`kill ${k}/${KILLS}: release of v${k + 1} ${status}\n`);
  }
  const daemonFailed = samples.filter((s) => s.status < 200 || s.status >= 300).length;
  const daemonRequests = samples.length;
  const proxyKills: Array<{ failed: number; msToServe: number }> = [];
  for (let k = 1; k <= PROXY_KILLS; k++) {
    // The serving proxy, once a warm standby stands by again (a new one starts after each takeover).
    for (let i = 0; i < 1_000 && leftovers().standbys.length === 0; i++) await sleep(20);
    const [proxy] = leftovers().proxies;
    if (proxy === undefined) throw new Error('no proxy process found');
    const at = Date.now();
    const from = samples.length;
    process.kill(proxy, 'SIGKILL');
    let served: LoadSample | undefined;
    for (let i = 0; i < 500 && !served; i++) {
      await sleep(10);
      served = samples.slice(from).find((s) => s.sentAt > at && s.status === 200);
    }
    await sleep(1_000);
    proxyKills.push({ failed: samples.slice(from).filter((s) => s.status !== 200).length, msToServe: served ? served.at - at : Infinity });
    process.stderr.write(`proxy kill ${k}/${PROXY_KILLS}: ${JSON.stringify(proxyKills.at(-1))}\n`);
  }
  await load.stop();
  // What the proxies logged: how long each takeover took from the moment the serving proxy's socket dropped.
  const takeovers = [...readFileSync(join(dir, '.glidepath', 'proxy.log'), 'utf8').matchAll(/took over serving .* ([\d.]+) ms after/g)].map((m) => m[1]);
  const down = cli(['down']);
  const left = leftovers();
  const load1 = (loadavg()[0] ?? 0).toFixed(2);
  process.stdout.write(
    `## daemon-crash (${new Date().toISOString()}), load average ${load0} before, ${load1} after\n\n` +
      `- ${KILLS} × SIGKILL of the daemon during canary releases under steady load (4 clients): ${daemonFailed} of ${daemonRequests} requests failed; releases: ${JSON.stringify(outcomes)}\n` +
      `- ${PROXY_KILLS} × SIGKILL of the proxy process: failed requests per kill ${proxyKills.map((p) => p.failed).join(', ')}; ms to serve again ${proxyKills.map((p) => p.msToServe).join(', ')}; standby takeover (ms from the dead proxy's socket closing to listening) ${takeovers.join(', ')}\n` +
      `- after \`down\` (exit ${String(down.code)}): ${left.services.length} version processes and ${left.proxies.length + left.standbys.length} proxy processes left\n`,
  );
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    // The proxies' own account of what happened, before the project directory goes.
    try {
      process.stderr.write(readFileSync(join(dir, '.glidepath', 'proxy.log'), 'utf8'));
    } catch {
      // no log
    }
    cli(['down']);
  })
  .finally(() => {
    const left = leftovers();
    for (const pid of [...left.services, ...left.proxies, ...left.standbys]) process.kill(pid, 'SIGKILL');
    rig.remove();
  });
