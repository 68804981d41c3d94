/**
 * The plan a daemon runs: read from disk when a release is asked for, validated then, compared with what the
 * daemon started with (some settings need a restart), and recorded with the release that ran it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ApiError, UsageError } from '../shared/errors.js';
import { parsePlan, type LoadedPlan } from '../plan/load.js';
import type { Plan } from '../plan/plan-schema.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A validated plan with the text it came from (`${VAR}` references unexpanded) and that text's sha256. */
export interface PlanInForce {
  loaded: LoadedPlan;
  text: string;
  sha256: string;
}

/** Where a release's plan comes from: a plan file, and optionally the text the caller read and validated. */
export interface PlanRef {
  file?: string;
  text?: string;
}

/** sha256 of a plan's text, in hex. */
export function planSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Validates plan `text` as the file `file`; throws PlanError naming each problem at its line. */
export function planFromText(text: string, file: string, env: Env): PlanInForce {
  const absolute = resolve(file);
  const plan = parsePlan(text, basename(absolute), env);
  return { loaded: { plan, file: absolute, dir: dirname(absolute) }, text, sha256: planSha256(text) };
}

/** Reads and validates the plan file at `file`. */
export function readPlanFile(file: string, env: Env): PlanInForce {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read plan ${file}: ${(error as Error).message}`);
  }
  return planFromText(text, file, env);
}

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/** Whether two plan files belong to the same project directory (symbolic links resolved). */
export function sameProject(fileA: string, fileB: string): boolean {
  return realDir(dirname(resolve(fileA))) === realDir(dirname(resolve(fileB)));
}

function targetSetting(plan: Plan, key: 'listen' | 'sticky' | 'versionHeader'): string | undefined {
  const target = plan.target as Record<string, unknown> | undefined;
  const value = target?.[key];
  return typeof value === 'string' ? value : undefined;
}

const RESTART = 'run `glidepath down && glidepath up` to apply it';

/**
 * Settings the daemon fixed when it started (its address, the proxy's, the store, the service, the target type and
 * the proxy's options) that differ in `next`: one message per setting, saying how to apply it.
 */
export function restartNeeded(started: Plan, next: Plan, env: Env): string[] {
  const changes: string[] = [];
  const compare = (key: string, from: string | undefined, to: string | undefined) => {
    if (from !== to) changes.push(`${key} changed from ${from ?? '(unset)'} to ${to ?? '(unset)'}: ${RESTART}`);
  };
  compare('service', started.service, next.service);
  compare('daemon.listen', started.daemon.listen, next.daemon.listen);
  // A store URL may carry a password: say that it changed, not what it is.
  const storeOf = (plan: Plan) => env.GLIDEPATH_DATABASE_URL || plan.store;
  if (storeOf(started) !== storeOf(next)) changes.push(`store changed: ${RESTART}`);
  compare('target.type', started.target?.type, next.target?.type);
  if (started.target?.type === next.target?.type) {
    for (const key of ['listen', 'sticky', 'versionHeader'] as const) compare(`target.${key}`, targetSetting(started, key), targetSetting(next, key));
  }
  return changes;
}

/** The daemon's plan: the one it started with, the one in force now, and how a release's plan is read. */
export class PlanSource {
  readonly started: PlanInForce;
  #current: PlanInForce;
  #operating: PlanInForce;
  readonly #env: Env;
  readonly #daemon: () => string;

  /** `daemon` describes the daemon for messages ("pid 12 at http://…"). */
  constructor(started: PlanInForce, env: Env, daemon: () => string) {
    this.started = started;
    this.#current = started;
    this.#operating = started;
    this.#env = env;
    this.#daemon = daemon;
  }

  /** The plan of the last release (or the one the daemon started with). */
  get current(): PlanInForce {
    return this.#current;
  }

  /**
   * The plan a release runs: `ref.text` validated as `ref.file`, else the file read now (`ref.file`, or the
   * daemon's own). A plan of another project directory, or one that changes a setting fixed at start, is refused
   * (409); an invalid one throws its PlanError (400). Nothing changes until `adopt`.
   */
  forRelease(ref: PlanRef = {}): PlanInForce {
    const file = ref.file === undefined ? this.started.loaded.file : resolve(this.started.loaded.dir, ref.file);
    if (!sameProject(file, this.started.loaded.file)) {
      throw new ApiError(
        409,
        'other_project',
        `this daemon (${this.#daemon()}) serves the plan ${this.started.loaded.file}; ${file} belongs to another project directory: ` +
          `give that plan its own daemon.listen, or deploy from ${this.started.loaded.dir}`,
      );
    }
    const next = ref.text === undefined ? readPlanFile(file, this.#env) : planFromText(ref.text, file, this.#env);
    const changes = restartNeeded(this.started.loaded.plan, next.loaded.plan, this.#env);
    if (changes.length > 0) throw new ApiError(409, 'restart_needed', `the plan ${file} changes settings this daemon fixed when it started:\n  ${changes.join('\n  ')}`);
    return next;
  }

  /**
   * The plan the operating half (jobs, monitors, alert rules) runs: the last valid edit of the plan file, or the
   * last release's plan, whichever came later.
   */
  get operating(): PlanInForce {
    return this.#operating;
  }

  /** Every plan text the daemon runs now or ran at start (for masking the values their `${VAR}` stand for). */
  get texts(): string[] {
    return [this.started.text, this.#current.text, this.#operating.text];
  }

  /** Makes `plan` the one in force (a release holding the lock runs it); the operating half follows it too. */
  adopt(plan: PlanInForce): void {
    this.#current = plan;
    this.#operating = plan;
  }

  /** Makes `plan` (an edit of the plan file, validated like a release's) the one the operating half runs. */
  operate(plan: PlanInForce): void {
    this.#operating = plan;
  }
}
