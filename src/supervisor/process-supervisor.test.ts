import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSupervisorRig } from '../testing/supervisor-rig.js';
import { httpGet } from '../testing/test-service.js';
import { until } from '../testing/until.js';
import type { LogLine } from './log-reader.js';
import { ProcessSupervisor } from './process-supervisor.js';
import type { SupervisorEvent } from './types.js';
import { processGroupAlive } from '../exec/process-group.js';

const rig = useSupervisorRig({ prefix: 'glidepath-supervisor-', killGraceMs: 3_000, shutdownGraceMs: 2_000 });

describe('ProcessSupervisor', () => {
  it('starts instances on their own loopback ports with {version}, {port} and PORT filled in, then stops them', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('v1', { ECHO_PORT: '{port}' }, { instances: 2 }));
    expect(outcome.status).toBe('ready');
    if (outcome.status !== 'ready') return;
    expect(outcome.instances.map((i) => i.index)).toEqual([0, 1]);
    expect(new Set(outcome.instances.map((i) => i.port)).size).toBe(2);
    for (const instance of outcome.instances) {
      expect(instance.host).toBe('127.0.0.1');
      const response = await httpGet(`http://127.0.0.1:${instance.port}/`);
      expect(JSON.parse(response.body)).toMatchObject({ version: 'v1', pid: instance.pid, port: instance.port });
    }
    expect(rig.supervisor.versions()).toEqual([{ version: 'v1', state: 'ready', instances: outcome.instances }]);
    const recorded = JSON.parse(await readFile(join(rig.stateDir, 'processes.json'), 'utf8'));
    expect(recorded.versions[0].processes).toHaveLength(2);

    await rig.supervisor.stopVersion('v1', { graceMs: 3_000 });
    for (const instance of outcome.instances) expect(processGroupAlive(instance.pid)).toBe(false);
    expect(rig.supervisor.versions()).toEqual([]);
    expect(JSON.parse(await readFile(join(rig.stateDir, 'processes.json'), 'utf8')).versions).toEqual([]);
    expect(rig.events.map((e) => e.type)).toContain('version.stopped');
  });

  it('reports a version that never gets ready as failed and leaves nothing running', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('v2', { NEVER_READY: '1' }, { ready: { path: '/health', timeoutMs: 1_500, intervalMs: 100 } }));
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringContaining('not ready within 1500ms') });
    const started = rig.events.find((e) => e.type === 'instance.started');
    expect(started?.pid).toBeTypeOf('number');
    expect(processGroupAlive(started!.pid!)).toBe(false);
    expect(rig.events.map((e) => e.type)).toEqual(['instance.started', 'version.failed', 'instance.stopped', 'version.stopped']);
    expect(rig.supervisor.versions()).toEqual([]);
  });

  it('fails at once when the command cannot run', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('v3', {}, { command: 'glidepath-no-such-program --port {port}' }));
    expect(outcome).toMatchObject({ status: 'failed', reason: 'instance 0 cannot start: command not found: glidepath-no-such-program' });
  });

  it('restarts a crashing instance per the policy, then marks the version failed', async () => {
    const failed = new Promise<SupervisorEvent>((resolve) => rig.supervisor.onEvent((e) => e.type === 'version.failed' && resolve(e)));
    const start = rig.supervisor.startVersion(rig.spec('v4', { CRASH_AFTER_MS: '400' }, { restart: { delayMs: 100, maxAttempts: 2, windowMs: 60_000 } }));
    expect((await failed).reason).toBe(
      'instance 0 exited with code 1 again after 2 restarts within 60000ms; the last lines of its stderr:\n  sample-service: crashing after 400ms as configured\nsee more with `glidepath logs v4`',
    );
    // Whether the first crash came before readiness depends on the machine's speed; both outcomes are valid.
    expect(['ready', 'failed']).toContain((await start).status);
    await until('version stopped', () => rig.events.some((e) => e.type === 'version.stopped'), 30_000);

    const lifecycle = rig.events.filter((e) => !e.type.endsWith('ready'));
    expect(lifecycle.map((e) => e.type)).toEqual([
      'instance.started',
      'instance.exited',
      'instance.restarted',
      'instance.exited',
      'instance.restarted',
      'instance.exited',
      'version.failed',
      'version.stopped',
    ]);
    expect(lifecycle.filter((e) => e.type === 'instance.exited').every((e) => e.code === 1)).toBe(true);
    expect(lifecycle.filter((e) => e.type === 'instance.restarted').map((e) => e.attempt)).toEqual([1, 2]);
    // A restarted instance announces its new address once ready, so the proxy can route to it.
    for (const ready of rig.events.filter((e) => e.type === 'instance.ready')) expect(ready).toMatchObject({ host: '127.0.0.1', port: expect.any(Number), pid: expect.any(Number) });
    for (const pid of rig.pids) expect(processGroupAlive(pid)).toBe(false);
  });

  it('sends SIGKILL after the grace when a child ignores SIGTERM', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('v5', { IGNORE_SIGTERM: '1' }));
    if (outcome.status !== 'ready') throw new Error(`not ready: ${JSON.stringify(outcome)}`);
    const pid = outcome.instances[0]!.pid;
    await rig.supervisor.stopVersion('v5', { graceMs: 500 });
    expect(processGroupAlive(pid)).toBe(false);
    const lines: LogLine[] = [];
    for await (const line of rig.supervisor.readLogs('v5', { lines: 50 })) lines.push(line);
    expect(lines.map((l) => l.text)).toContain('sample-service: ignoring SIGTERM as configured');
    expect(lines.at(-1)).toMatchObject({ stream: 'sys', text: `stopped pid ${pid}` });
  });

  it('sums CPU and memory over the whole process group', async () => {
    const outcome = await rig.supervisor.startVersion(rig.spec('v6', { CHILDREN: '1' }));
    if (outcome.status !== 'ready') throw new Error(`not ready: ${JSON.stringify(outcome)}`);
    const leader = outcome.instances[0]!.pid;
    const leaderRss = Number(/^VmRSS:\s+(\d+)/m.exec(await readFile(`/proc/${leader}/status`, 'utf8'))?.[1]) * 1024;
    const usage = await until('the child in the group', async () => {
      const measured = await rig.supervisor.usage('v6');
      return measured.rssBytes > leaderRss ? measured : undefined;
    }, 30_000);
    expect(usage.cpuSeconds).toBeGreaterThan(0);
    expect(await rig.supervisor.usage('unknown')).toEqual({ cpuSeconds: 0, rssBytes: 0 });
  });

  it('keeps each instance output in a rotated log, with tail and follow', async () => {
    const rotating = new ProcessSupervisor({ stateDir: rig.stateDir, killGraceMs: 2_000, logRotation: { maxBytes: 4_096, maxFiles: 3 }, onEvent: (e) => e.pid && rig.pids.add(e.pid) });
    try {
      const outcome = await rotating.startVersion(rig.spec('v7', { LOG_EVERY_MS: '10', LOG_LINE_BYTES: '200' }));
      expect(outcome.status).toBe('ready');
      const dir = join(rig.stateDir, 'logs', 'v7');
      await until('two rotations', () => existsSync(join(dir, '0.log.2')), 30_000);

      const tail: LogLine[] = [];
      for await (const line of rotating.readLogs('v7', { lines: 5 })) tail.push(line);
      expect(tail).toHaveLength(5);
      for (const line of tail) expect(line).toMatchObject({ index: 0, stream: 'out', text: expect.stringMatching(/^tick \d{8} x+$/) });

      const controller = new AbortController();
      const followed: LogLine[] = [];
      const timer = setTimeout(() => controller.abort(), 30_000);
      for await (const line of rotating.readLogs('v7', { lines: 1, follow: true, signal: controller.signal, pollMs: 50 })) {
        followed.push(line);
        if (followed.length === 200) controller.abort();
      }
      clearTimeout(timer);
      expect(followed).toHaveLength(200);
      // Lines keep coming in order across rotations: tick numbers only go up, none repeats.
      const ticks = followed.map((line) => Number(/^tick (\d+)/.exec(line.text)?.[1]));
      expect(ticks.every((n, i) => i === 0 || n === (ticks[i - 1] as number) + 1)).toBe(true);
      expect(existsSync(join(dir, '0.log.3'))).toBe(false);
    } finally {
      await rotating.shutdown({ graceMs: 2_000 });
    }
  });
});
