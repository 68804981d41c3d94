/**
 * An nginx rig for e2e scenarios: a daemon rig's temp project with a real nginx of its own inside it (`DIR/nginx`,
 * its own master, stopped by its pid), the loopback port that nginx is to serve on, a canary plan whose target is
 * that nginx, and at the end the daemon stopped with `down` (which must succeed), nginx stopped and the project removed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { renderedWeights } from '../../src/targets/nginx/nginx-config.js';
import { nginxTargetLines, startNginx, type NginxServer } from '../../src/testing/nginx-server.js';
import { DaemonRig } from './daemon-rig.js';
import type { CliRun } from './helpers.js';

/** How long a CLI run of these scenarios may take unless told otherwise. */
const CLI_TIMEOUT_MS = 60_000;

/** How long the `down` of the cleanup may take (it drains and stops what the daemon runs). */
const DOWN_TIMEOUT_MS = 70_000;

/** A temp project, its detached daemon and a real nginx that the project's plan releases through. */
export class NginxRig {
  private constructor(
    readonly daemon: DaemonRig,
    readonly nginx: NginxServer,
    /** The port nginx serves the service on (127.0.0.1). */
    readonly port: number,
  ) {}

  /** Builds the CLI when dist/ is missing, makes the project, starts nginx in it and picks the ports. */
  static async create(): Promise<NginxRig> {
    const daemon = await DaemonRig.create({ cliTimeoutMs: CLI_TIMEOUT_MS });
    try {
      const nginx = await startNginx(join(daemon.dir, 'nginx'));
      let port = await freePort();
      while (port === daemon.daemonPort) port = await freePort();
      return new NginxRig(daemon, nginx, port);
    } catch (error) {
      await daemon.close();
      throw error;
    }
  }

  /** The project's directory. */
  get dir(): string {
    return this.daemon.dir;
  }

  /** The URL nginx serves the service at. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /**
   * Writes `glidepath.yaml`: the daemon's head, the nginx target (its first lines, then `target`'s, a drain of 1 s
   * and client keep-alive off) and a canary of `steps` (a YAML flow list).
   */
  writeCanaryPlan(target: readonly string[], steps: string): Promise<string> {
    return this.daemon.writePlan([
      ...this.daemon.planHead(),
      'target:',
      ...nginxTargetLines(this.nginx, this.port),
      ...target,
      '  drain: 1s',
      // A reload closes idle client connections; a client that sends on one at that moment sees a reset.
      '  clientKeepalive: false',
      'strategy:',
      '  canary:',
      `    steps: ${steps}`,
    ]);
  }

  /** Runs the built CLI in the project (60 s unless told otherwise). */
  cli(args: readonly string[], timeoutMs?: number): Promise<CliRun> {
    return this.daemon.cli(args, timeoutMs);
  }

  /** Starts the project's daemon detached (`up --detach`), which must succeed; returns its pid. */
  up(): Promise<number> {
    return this.daemon.up();
  }

  /** The split the file glidepath owns gives nginx now (undefined when it names none). */
  applied(): Record<string, number> | undefined {
    return renderedWeights(readFileSync(this.nginx.configFile, 'utf8'));
  }

  /** `down`, which must succeed; then, whatever it did, nginx stopped by its pid and the project removed. */
  async close(): Promise<void> {
    try {
      const down = await this.cli(['down', '--json'], DOWN_TIMEOUT_MS);
      expect(down.code, down.stderr).toBe(0);
    } finally {
      await this.nginx.stop();
      await this.daemon.close();
    }
  }
}
