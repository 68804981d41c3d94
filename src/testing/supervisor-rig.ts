/** Test help for the process supervisor: a fresh supervisor per test over a temporary state directory, and nothing left running after it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { ProcessSupervisor } from '../supervisor/process-supervisor.js';
import type { SupervisorEvent, VersionSpec } from '../supervisor/types.js';
import { stopLeftoverGroups } from './leftover-processes.js';
import { testServiceCommand } from './test-service.js';

/** Readiness of the test service as most supervisor tests probe it: `/health`, patient enough for a loaded machine. */
const DEFAULT_READY: VersionSpec['ready'] = { path: '/health', timeoutMs: 20_000, intervalMs: 100 };

/** A version of the test service run from `cwd`, one instance, with `{version}` in its environment; `overrides` win. */
export function testVersionSpec(
  cwd: string,
  version: string,
  env: Record<string, string> = {},
  overrides: Partial<VersionSpec> = {},
): VersionSpec {
  return {
    service: 'demo',
    version,
    command: testServiceCommand(),
    shell: false,
    cwd,
    env: { VERSION: '{version}', ...env },
    instances: 1,
    ready: DEFAULT_READY,
    restart: { delayMs: 100, maxAttempts: 3, windowMs: 60_000 },
    drainMs: 0,
    ...overrides,
  };
}

/** How a supervisor rig sets its supervisor up. */
export interface SupervisorRigOptions {
  /** Prefix of the temporary state directory's name. */
  prefix: string;
  /** The supervisor's grace between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** The grace of the supervisor's shutdown after each test. */
  shutdownGraceMs: number;
  /** Readiness of the versions `spec()` describes (default: `/health`, 20 s, every 100 ms). */
  ready?: VersionSpec['ready'];
}

/** The supervisor of the running test, its state directory, the events it sent and every pid they named. */
export interface SupervisorRig {
  readonly stateDir: string;
  readonly supervisor: ProcessSupervisor;
  readonly events: SupervisorEvent[];
  /** Every pid the supervisor reported, so the rig can prove none is left. */
  readonly pids: Set<number>;
  /** A version of the test service in this test's state directory (see `testVersionSpec`). */
  spec(version: string, env?: Record<string, string>, overrides?: Partial<VersionSpec>): VersionSpec;
}

/**
 * For a test file: before each test a new supervisor over a new temporary directory; after each, shuts it down,
 * stops by id whatever process group a failing test left, insists there was none, and removes the directory.
 */
export function useSupervisorRig(options: SupervisorRigOptions): SupervisorRig {
  let current: { stateDir: string; supervisor: ProcessSupervisor; events: SupervisorEvent[]; pids: Set<number> } | undefined;
  const now = () => {
    if (!current) throw new Error('the supervisor rig is used outside a test');
    return current;
  };
  beforeEach(async () => {
    const stateDir = await mkdtemp(join(tmpdir(), options.prefix));
    const events: SupervisorEvent[] = [];
    const pids = new Set<number>();
    const supervisor = new ProcessSupervisor({
      stateDir,
      killGraceMs: options.killGraceMs,
      onEvent: (event) => {
        events.push(event);
        if (event.pid !== undefined) pids.add(event.pid);
      },
    });
    current = { stateDir, supervisor, events, pids };
  });
  afterEach(async () => {
    const { stateDir, supervisor, pids } = now();
    current = undefined;
    await supervisor.shutdown({ graceMs: options.shutdownGraceMs });
    expect(await stopLeftoverGroups(pids), 'process groups left running').toEqual([]);
    await rm(stateDir, { recursive: true, force: true });
  });
  return {
    get stateDir() {
      return now().stateDir;
    },
    get supervisor() {
      return now().supervisor;
    },
    get events() {
      return now().events;
    },
    get pids() {
      return now().pids;
    },
    spec: (version, env, overrides) => testVersionSpec(now().stateDir, version, env, { ready: options.ready ?? DEFAULT_READY, ...overrides }),
  };
}
