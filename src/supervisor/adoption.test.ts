import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testVersionSpec } from '../testing/supervisor-rig.js';
import { httpGet } from '../testing/test-service.js';
import { until } from '../testing/until.js';
import type { LogLine } from './log-reader.js';
import { readProcStat } from './proc-fs.js';
import { ProcessSupervisor } from './process-supervisor.js';
import type { ProcessRecord, SupervisorEvent, VersionOutcome, VersionSpec } from './types.js';
import { processGroupAlive, stopProcessGroup } from '../exec/process-group.js';
import { stopLeftoverGroups } from '../testing/leftover-processes.js';

let stateDir: string;
let supervisors: ProcessSupervisor[];
let pids: Set<number>;

function spec(version: string, env: Record<string, string> = {}, instances = 1): VersionSpec {
  return testVersionSpec(stateDir, version, env, { instances });
}

function supervisor(events: SupervisorEvent[] = []): ProcessSupervisor {
  const created = new ProcessSupervisor({
    stateDir,
    killGraceMs: 2_000,
    adoptedPollMs: 100,
    onEvent: (event) => {
      events.push(event);
      if (event.pid !== undefined) pids.add(event.pid);
    },
  });
  supervisors.push(created);
  return created;
}

/** A process of our own in its own group, alive until stopped. */
async function sleeper(): Promise<{ pid: number; startTicks: string }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid as number;
  pids.add(pid);
  const stat = await until('the sleeper in /proc', () => readProcStat(pid), 30_000);
  return { pid, startTicks: stat.startTicks };
}

function record(version: string, index: number, pid: number, startTicks: string): ProcessRecord {
  const pipes = { out: join(stateDir, 'run', version, `${index}.out`), err: join(stateDir, 'run', version, `${index}.err`) };
  return { service: 'demo', version, index, pid, pgid: pid, port: 1, startedAt: new Date().toISOString(), startTicks, command: ['node'], pipes };
}

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'glidepath-adoption-'));
  supervisors = [];
  pids = new Set();
});

afterEach(async () => {
  for (const each of supervisors) await each.shutdown({ graceMs: 2_000 }).catch(() => undefined);
  // stop by id whatever a failing test left, then insist nothing was
  expect(await stopLeftoverGroups(pids), 'process groups left running').toEqual([]);
  await rm(stateDir, { recursive: true, force: true });
});

describe('adoption after a daemon restart', () => {
  it("adopts the previous supervisor's children, keeps their logs, restarts them when they die, and stops them", async () => {
    const first = supervisor();
    const started = await first.startVersion(spec('v1', { LOG_EVERY_MS: '50' }, 2));
    if (started.status !== 'ready') throw new Error(`not ready: ${JSON.stringify(started)}`);
    await first.detach();

    const events: SupervisorEvent[] = [];
    const second = supervisor(events);
    const result = await second.adopt();
    expect(result.dropped).toEqual([]);
    expect(result.orphans).toEqual([]);
    expect(result.versions).toEqual([started]);
    expect(events.filter((e) => e.type === 'instance.adopted').map((e) => e.pid).sort()).toEqual(started.instances.map((i) => i.pid).sort());
    const response = await httpGet(`http://127.0.0.1:${started.instances[0]!.port}/`);
    expect(JSON.parse(response.body)).toMatchObject({ version: 'v1' });

    // Output written after the hand-over still reaches the log, through the new supervisor.
    const mark = new Date().toISOString();
    await until('output after adoption', async () => {
      const lines: LogLine[] = [];
      for await (const line of second.readLogs('v1', { lines: 5, index: 0 })) lines.push(line);
      return lines.some((line) => line.at > mark && line.stream === 'out') || undefined;
    }, 30_000);

    // An adopted process is no longer our child: its death is noticed by polling, and it is restarted.
    const victim = started.instances[0]!;
    await stopProcessGroup(victim.pid, 1_000);
    const replacement = await until('a restarted instance', () => events.find((e) => e.type === 'instance.ready' && e.index === 0 && e.pid !== victim.pid), 30_000);
    expect(events.find((e) => e.type === 'instance.exited')).toMatchObject({ index: 0, pid: victim.pid, code: null });
    expect(second.instances('v1').find((i) => i.index === 0)).toMatchObject({ pid: replacement.pid, port: replacement.port });

    await second.shutdown({ graceMs: 2_000 });
    for (const pid of [...started.instances.map((i) => i.pid), replacement.pid!]) expect(processGroupAlive(pid)).toBe(false);
    expect(JSON.parse(await readFile(join(stateDir, 'processes.json'), 'utf8')).versions).toEqual([]);
  });

  it('children outlive a daemon killed with SIGKILL, keep writing output, and are adopted by the next one', async () => {
    // A real daemon process hosting a supervisor, killed without a chance to clean up.
    const script = join(stateDir, 'daemon.mts');
    const supervisorModule = new URL('./process-supervisor.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { ProcessSupervisor } from ${JSON.stringify(supervisorModule)};
const supervisor = new ProcessSupervisor({ stateDir: ${JSON.stringify(stateDir)} });
const outcome = await supervisor.startVersion(${JSON.stringify(spec('v1', { LOG_EVERY_MS: '5', LOG_LINE_BYTES: '100' }))});
console.log(JSON.stringify(outcome));
setInterval(() => {}, 1 << 30);
`,
    );
    const daemon = spawn(process.execPath, ['--import', 'tsx', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    pids.add(daemon.pid as number);
    let output = '';
    daemon.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = await until('the daemon to start v1', () => {
      if (daemon.exitCode !== null) throw new Error(`the daemon exited with ${daemon.exitCode}: ${output}`);
      return output.includes('\n') ? (JSON.parse(output) as VersionOutcome) : undefined;
    }, 30_000);
    if (started.status !== 'ready') throw new Error(`not ready: ${output}`);
    const instance = started.instances[0]!;
    pids.add(instance.pid);
    process.kill(-(daemon.pid as number), 'SIGKILL');
    await new Promise((resolve) => daemon.once('exit', resolve));

    // Nobody reads its output now; it must keep serving (no EPIPE, no SIGPIPE).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(processGroupAlive(instance.pid)).toBe(true);
    expect((await httpGet(`http://127.0.0.1:${instance.port}/health`)).status).toBe(200);

    const next = supervisor();
    const result = await next.adopt();
    expect(result.versions).toMatchObject([{ status: 'ready', instances: [{ pid: instance.pid, port: instance.port }] }]);
    const mark = new Date().toISOString();
    await until('output after adoption', async () => {
      const lines: LogLine[] = [];
      for await (const line of next.readLogs('v1', { lines: 3 })) lines.push(line);
      return lines.some((line) => line.at > mark && line.stream === 'out') || undefined;
    }, 30_000);
    await next.shutdown({ graceMs: 2_000 });
    expect(processGroupAlive(instance.pid)).toBe(false);
  });

  it('drops records of dead processes and of pids now used by another process, and stops unwanted orphans', async () => {
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    const orphan = await sleeper();
    const snapshot = {
      format: 1,
      versions: [
        { spec: spec('old'), processes: [record('old', 0, dead.pid as number, '1')] },
        // Our own pid with another start time: a pid reused since it was recorded; it must be left alone.
        { spec: spec('reused'), processes: [record('reused', 0, process.pid, '1')] },
        { spec: spec('unwanted'), processes: [record('unwanted', 0, orphan.pid, orphan.startTicks)] },
      ],
    };
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'processes.json'), JSON.stringify(snapshot));

    const fresh = supervisor();
    const result = await fresh.adopt({ want: (r) => r.version !== 'unwanted' });
    expect(result.versions).toEqual([]);
    expect(result.dropped.map((r) => r.version).sort()).toEqual(['old', 'reused']);
    expect(result.orphans.map((r) => r.pid)).toEqual([orphan.pid]);
    expect(processGroupAlive(orphan.pid)).toBe(true);
    const kept = JSON.parse(await readFile(join(stateDir, 'processes.json'), 'utf8'));
    expect(kept.versions.map((v: { spec: VersionSpec }) => v.spec.version)).toEqual(['unwanted']);

    expect(await fresh.stopOrphans({ graceMs: 1_000 })).toBe(1);
    expect(processGroupAlive(orphan.pid)).toBe(false);
    expect(JSON.parse(await readFile(join(stateDir, 'processes.json'), 'utf8')).versions).toEqual([]);
  });
});
