/**
 * A daemon rig for e2e scenarios that share one daemon across a test file: a temp project, its plan, the project's
 * detached daemon on a free loopback port, and at the end that daemon stopped (`down`, then by its own pid).
 */
import { expect } from 'vitest';
import { processAlive } from '../../src/shared/process-alive.js';
import { stopLeftoverGroups } from '../../src/testing/leftover-processes.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

/** The service every daemon rig's plan names. */
export const SERVICE = 'shop';

/** How long the `down` of a rig's cleanup may take (it drains and stops what the daemon runs). */
const DOWN_TIMEOUT_MS = 70_000;

/** What `deploy --json` prints, as far as these scenarios read it. */
export interface ReleaseJson {
  version: string;
  previousVersion: string | null;
  status: string;
  reason: string | null;
  steps: { kind: string; status: string; detail: Record<string, unknown> }[];
}

/**
 * Plan lines of a canary (10 %, 2 s, 50 %, 2 s) analysed by a smoke check that passes for a version when the file
 * `approved-<version>` exists in the project.
 */
export const APPROVED_CANARY_LINES: readonly string[] = [
  'checks:',
  '  smoke: { command: { run: "test -e approved-{version}" } }',
  'strategy:',
  '  canary:',
  '    steps: [{ weight: 10 }, { pause: 2s }, { weight: 50 }, { pause: 2s }]',
  'analysis:',
  '  interval: 1s',
  '  metrics:',
  '    - { name: smoke, check: smoke, failureLimit: 0 }',
];

/** Settings of a daemon rig. */
export interface DaemonRigOptions {
  /** How long each CLI run may take unless told otherwise (default: the helpers' CLI timeout). */
  cliTimeoutMs?: number;
}

/** A temp project whose plan and detached daemon a test file drives through the built CLI. */
export class DaemonRig {
  /** The pid of the daemon the last `up` started. */
  pid: number | undefined;

  private constructor(
    readonly project: Project,
    readonly daemonPort: number,
    private readonly options: DaemonRigOptions,
  ) {}

  /** Builds the CLI when dist/ is missing, makes a temp project and picks the daemon's port. */
  static async create(options: DaemonRigOptions = {}): Promise<DaemonRig> {
    await ensureBuilt();
    return new DaemonRig(await makeProject(), await closedPort(), options);
  }

  /** The project's directory. */
  get dir(): string {
    return this.project.dir;
  }

  /** The first lines of a plan: its version, the service and the daemon's address. */
  planHead(): string[] {
    return ['version: 1', `service: ${SERVICE}`, `daemon: { listen: "127.0.0.1:${this.daemonPort}" }`];
  }

  /** Writes `glidepath.yaml` from its lines. */
  writePlan(lines: readonly string[]): Promise<string> {
    return this.project.write('glidepath.yaml', `${lines.join('\n')}\n`);
  }

  /** Runs the built CLI in the project. */
  cli(args: readonly string[], timeoutMs = this.options.cliTimeoutMs): Promise<CliRun> {
    return runCli(args, { cwd: this.dir, timeoutMs });
  }

  /** Runs a CLI command that must succeed and print one JSON document; returns that document. */
  async json<T>(args: readonly string[], timeoutMs?: number): Promise<T> {
    const run = await this.cli(args, timeoutMs);
    expect(run.code, run.stderr).toBe(0);
    return parseOneJson(run.stdout) as T;
  }

  /** Starts the project's daemon detached (`up --detach`), which must succeed; returns and keeps its pid. */
  async up(): Promise<number> {
    this.pid = (await this.json<{ pid: number }>(['up', '--detach', '--json'])).pid;
    return this.pid;
  }

  /** `deploy VERSION --yes --json`, which must end in 0 (succeeded) or 1 (rolled back or failed): its code and release. */
  async deploy(version: string): Promise<{ code: number | null; release: ReleaseJson }> {
    const run = await this.cli(['deploy', version, '--yes', '--json'], 90_000);
    if (run.code !== 0 && run.code !== 1) throw new Error(`deploy ${version} exited ${String(run.code)}:\n${run.stderr}`);
    return { code: run.code, release: parseOneJson(run.stdout) as ReleaseJson };
  }

  /** Stops the daemon (`down`) when it still runs, then whatever of its process group is left, by its pid; removes the project. */
  async close(): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined && processAlive(pid)) await this.cli(['down'], DOWN_TIMEOUT_MS).catch(() => undefined);
    if (pid !== undefined) await stopLeftoverGroups([pid]);
    await this.project.remove();
  }
}

/** Plan lines of the alert rule `api-down`: check `health` down for 2 s fires it, critical, each change sent to `notifier`. */
export function apiDownAlertLines(summary: string, notifier: string): string[] {
  return [
    'alerts:',
    '  - name: api-down',
    '    check: health',
    '    for: 2s',
    '    interval: 250ms',
    '    severity: critical',
    '    groupInterval: 0s',
    `    annotations: { summary: "${summary}" }`,
    `    notify: [${notifier}]`,
  ];
}
