/**
 * The `command` target: versions and traffic live on a platform glidepath does not run (Cloud Run, Render, a
 * docker host); the user's own commands start versions, split traffic, read the split back and remove versions.
 * It has no built-in metrics: analysis measures with checks and Prometheus.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { CommandStep, CommandTargetConfig } from '../../plan/schema/command-target.js';
import { GlidepathError, UsageError } from '../../shared/errors.js';
import { WEIGHTS_UNSUPPORTED, type AppliedWeights, type StartOutcome, type Target, type TargetEvent, type TargetVersion } from '../target.js';
import { waitReady } from './command-readiness.js';
import { readCommandState, writeCommandState } from './command-state.js';
import { requireSuccess, runCommandStep, type CommandContext, type CommandRun } from './command-step.js';
import { type CommandVariables, fillText, weightVariables } from './command-template.js';

/** What a command target needs: its plan section, the service, the directories, and the secrets to keep out. */
export interface CommandTargetOptions {
  config: CommandTargetConfig;
  service: string;
  planDir: string;
  stateDir: string;
  /** Values the plan takes from the environment: masked in output, refused in command lines. */
  secrets?: readonly string[];
}

const COMMANDS = ['start', 'setWeights', 'weights', 'promote', 'rollback', 'stop'] as const;

/** Refuses a command line that holds a secret: process arguments are readable by every user of the machine. */
function refuseSecretsInCommands(config: CommandTargetConfig, secrets: readonly string[]): void {
  const lines: [string, CommandStep | undefined][] = [...COMMANDS.map((name) => [name, config[name]] as [string, CommandStep | undefined]), ['ready.command', config.ready?.command]];
  for (const [name, step] of lines) {
    const line = step === undefined ? undefined : typeof step === 'string' ? step : step.run;
    if (line !== undefined && secrets.some((secret) => line.includes(secret))) {
      throw new UsageError(`target.${name} holds a value taken from the environment; pass secrets to the command in target.env instead, never in its arguments`);
    }
  }
}

/**
 * The secrets to mask, and the parts of each secret URL a platform may echo alone (a deploy hook's `?key=`, a
 * password): a command's output rarely repeats the whole URL.
 */
export function secretParts(secrets: readonly string[]): string[] {
  const parts = new Set(secrets);
  for (const secret of secrets) {
    if (!URL.canParse(secret)) continue;
    const url = new URL(secret);
    for (const value of [...url.searchParams.values(), decodeURIComponent(url.password)]) if (value.length >= 6) parts.add(value);
  }
  return [...parts].sort((a, b) => b.length - a.length);
}

/** Drives a platform through the user's templated commands. */
export class CommandTarget implements Target {
  readonly type = 'command';
  readonly serviceUrl: string;
  readonly #options: CommandTargetOptions;
  readonly #ctx: CommandContext;
  /** Versions ready, oldest first, with their share. */
  readonly #versions = new Map<string, number>();
  readonly #events = new EventEmitter();

  constructor(options: CommandTargetOptions) {
    const { config } = options;
    refuseSecretsInCommands(config, options.secrets ?? []);
    this.#options = options;
    this.serviceUrl = config.serviceUrl;
    this.#ctx = { cwd: resolve(options.planDir, config.cwd ?? '.'), env: config.env, shell: config.shell, timeoutMs: config.timeout, secrets: secretParts(options.secrets ?? []) };
    for (const { version, weight } of readCommandState(options.stateDir).versions) this.#versions.set(version, weight);
  }

  #variables(version: string, extra: Record<string, string> = {}): CommandVariables {
    const base = { service: this.#options.service, service_url: this.serviceUrl, version };
    return { ...base, url: this.#urlOf(version) ?? '', ...extra };
  }

  #urlOf(version: string): string | undefined {
    const template = this.#options.config.url;
    return template === undefined ? undefined : fillText(template, { version, service: this.#options.service });
  }

  /** Runs a command, tells listeners what it did (the engine records it), and returns the run. */
  async #run(name: string, step: CommandStep, version: string, variables: CommandVariables, signal?: AbortSignal): Promise<CommandRun> {
    const run = await runCommandStep(name, step, variables, signal ? { ...this.#ctx, signal } : this.#ctx);
    this.#announce(run, version);
    return run;
  }

  #announce(run: CommandRun, version: string): void {
    const { name, command, exitCode, timedOut, durationMs, output, ok } = run;
    const event: TargetEvent = { type: 'command.ran', version, at: new Date().toISOString(), command: { name, command, exitCode, timedOut, durationMs, output, ok } };
    this.#events.emit('event', event);
  }

  #save(): void {
    writeCommandState(this.#options.stateDir, { versions: [...this.#versions].map(([version, weight]) => ({ version, weight })) });
  }

  async startVersion(version: string, options: { signal?: AbortSignal }): Promise<StartOutcome> {
    if (this.#versions.has(version)) return { status: 'ready', version, url: this.#urlOf(version) ?? this.serviceUrl };
    const { config } = this.#options;
    const variables = this.#variables(version);
    const started = await this.#run('start', config.start, version, variables, options.signal);
    if (!started.ok) return { status: 'failed', version, reason: `target.start failed: ${started.failure ?? 'unknown'}` };
    const ctx = options.signal ? { ...this.#ctx, signal: options.signal } : this.#ctx;
    const notReady = config.ready ? await waitReady(config.ready, variables, ctx, (run) => this.#announce(run, version)) : undefined;
    if (notReady !== undefined) {
      // What started half-way is removed, as a process target stops a version that never became ready.
      await this.#run('stop', config.stop, version, variables);
      return { status: 'failed', version, reason: notReady };
    }
    this.#versions.set(version, 0);
    this.#save();
    this.#events.emit('event', { type: 'version.ready', version, at: new Date().toISOString() } satisfies TargetEvent);
    return { status: 'ready', version, url: this.#urlOf(version) ?? this.serviceUrl };
  }

  /** The command that applies a split: `promote` or `rollback` when one version gets everything, else `setWeights`. */
  #weightCommand(weights: Readonly<Record<string, number>>): { name: string; step: CommandStep } {
    const { config } = this.#options;
    const given = Object.entries(weights).filter(([, share]) => share > 0);
    const newest = [...this.#versions.keys()].at(-1);
    if (given.length === 1 && given[0]?.[1] === 100 && this.#versions.size > 1) {
      const [only] = given[0];
      if (only === newest && config.promote) return { name: 'promote', step: config.promote };
      if (only !== newest && config.rollback) return { name: 'rollback', step: config.rollback };
    }
    return { name: 'setWeights', step: config.setWeights };
  }

  async setWeights(weights: Readonly<Record<string, number>>): Promise<void> {
    for (const version of Object.keys(weights)) {
      if (!this.#versions.has(version)) throw new GlidepathError(`cannot route to ${version}: the command target has not started it`);
    }
    const { name, step } = this.#weightCommand(weights);
    const newestFirst = [...this.#versions.keys()].reverse();
    const split = weightVariables(weights, newestFirst);
    const run = await this.#run(name, step, split.version ?? '', this.#variables(split.version ?? '', split));
    requireSuccess(run);
    for (const version of this.#versions.keys()) this.#versions.set(version, weights[version] ?? 0);
    this.#save();
  }

  async currentWeights(): Promise<AppliedWeights> {
    const step = this.#options.config.weights;
    if (step === undefined) return WEIGHTS_UNSUPPORTED;
    const run = await this.#run('weights', step, '', this.#variables(''));
    requireSuccess(run);
    return parseWeights(run.output);
  }

  async stopVersion(version: string): Promise<void> {
    if (!this.#versions.has(version)) return;
    requireSuccess(await this.#run('stop', this.#options.config.stop, version, this.#variables(version)));
    this.#versions.delete(version);
    this.#save();
    this.#events.emit('event', { type: 'version.stopped', version, at: new Date().toISOString() } satisfies TargetEvent);
  }

  adoptVersions(versions: readonly { version: string; weight: number }[]): void {
    if (this.#versions.size > 0 || versions.length === 0) return;
    for (const { version, weight } of versions) this.#versions.set(version, weight);
    this.#save();
  }

  versions(): TargetVersion[] {
    return [...this.#versions].map(([version, weight]) => ({ version, state: 'ready', weight, instances: 1, url: this.#urlOf(version) }));
  }

  onEvent(listener: (event: TargetEvent) => void): () => void {
    this.#events.on('event', listener);
    return () => this.#events.off('event', listener);
  }

  /** Nothing to stop: the platform keeps serving; what runs is recorded for the next daemon. */
  async close(): Promise<void> {}
}

/** Percent per tag (else revision) of a Cloud Run service description (`status.traffic`), or undefined for another shape. */
function cloudRunTraffic(data: unknown): Record<string, number> | undefined {
  const traffic = (data as { status?: { traffic?: unknown } } | null)?.status?.traffic;
  if (!Array.isArray(traffic)) return undefined;
  const weights: Record<string, number> = {};
  for (const entry of traffic as { tag?: unknown; revisionName?: unknown; percent?: unknown }[]) {
    const name = typeof entry.tag === 'string' ? entry.tag : entry.revisionName;
    if (typeof name === 'string' && typeof entry.percent === 'number') weights[name] = (weights[name] ?? 0) + entry.percent;
  }
  return weights;
}

/**
 * The split a `weights` command printed, on its output or its last line that parses: a JSON object of percent per
 * version, or a Cloud Run service description (`describe --format=json`), read by tag.
 */
export function parseWeights(output: string): Record<string, number> {
  const lines = output.trim().split('\n').reverse();
  for (const candidate of [output.trim(), ...lines]) {
    let data: unknown;
    try {
      data = JSON.parse(candidate) as unknown;
    } catch {
      continue;
    }
    const cloudRun = cloudRunTraffic(data);
    if (cloudRun) return cloudRun;
    if (data !== null && typeof data === 'object' && !Array.isArray(data) && Object.values(data).every((v) => typeof v === 'number')) return data as Record<string, number>;
  }
  throw new GlidepathError(`target.weights printed no JSON object of percent per version: ${output.slice(-200)}`);
}
