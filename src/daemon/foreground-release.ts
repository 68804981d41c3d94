/**
 * `deploy --foreground`: the release engine hosted in the CLI's own process for one release, without a daemon (CI
 * pipelines). Only targets that need no local proxy can be driven so; the store is usually PostgreSQL, shared by
 * every runner. A release another runner left is taken over first, once its lease has lapsed.
 */
import { mkdirSync } from 'node:fs';
import { ReleaseEngine, type ReleasePlan } from '../engine/release-engine.js';
import type { ReleaseResult } from '../engine/release-result.js';
import { newRunnerIdentity, holderName } from '../engine/runner-identity.js';
import { versionsOnRecord } from '../engine/versions-on-record.js';
import type { LoadedPlan } from '../plan/load.js';
import type { Plan } from '../plan/plan-schema.js';
import { systemClock } from '../shared/clock.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT, GlidepathError, UsageError } from '../shared/errors.js';
import { openStore, type StoredEvent, type Store } from '../store/index.js';
import { readMaintenanceLock } from '../store/maintenance-lock.js';
import { createTarget } from '../targets/registry.js';
import type { Target } from '../targets/target.js';
import { secretsOfPlan } from './daemon-log.js';
import { EventBus } from './event-bus.js';
import { planFromText } from './plan-in-force.js';
import { recordedPlan } from './recorded-plan.js';
import { leaseTtlMs } from './release-lease.js';
import { releaseHooks } from './release-hooks.js';
import { stateDirOf } from './state-dir.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Target types whose versions and traffic live outside this process, so a CLI that exits leaves nothing behind. */
export const FOREGROUND_TARGETS: readonly string[] = ['command', 'kubernetes'];

/** Refuses (exit 2) a plan whose target needs the daemon, saying why and what to do instead. */
export function refuseForegroundTarget(plan: Plan, file: string): void {
  const type = plan.target?.type;
  if (type === undefined) throw new UsageError(`the plan has no target: add target: to ${file} to release ${plan.service}`);
  if (FOREGROUND_TARGETS.includes(type)) return;
  const why =
    type === 'process'
      ? 'its versions are local processes served through glidepath\'s own proxy, which lives in the daemon and must outlive this command'
      : `its versions are local processes started by this machine's supervisor, which must outlive this command`;
  throw new UsageError(`deploy --foreground cannot release to the ${type} target: ${why}; run glidepath deploy without --foreground (it uses the daemon), or release to a ${FOREGROUND_TARGETS.join(' or ')} target from CI`);
}

/** What a foreground release needs: the plan as read, its store, the release asked for, and where progress goes. */
export interface ForegroundReleaseOptions {
  loaded: LoadedPlan;
  /** The plan file's text as `loaded` was read from it, recorded with the release. */
  text: string;
  env: Env;
  storeUrl: string;
  version: string;
  owner: string;
  yes: boolean;
  notes?: string;
  participants?: string[];
  /** Every event of the releases run here, once stored. */
  onEvent: (event: StoredEvent) => void;
  progress: (line: string) => void;
  /** Aborted by SIGINT/SIGTERM: the release is left as persisted, for the next runner to take over. */
  signal?: AbortSignal;
}

/** The release asked for, and the interrupted release of another version taken over before it, if any. */
export interface ForegroundOutcome {
  release: ReleaseResult;
  tookOver: ReleaseResult | undefined;
}

/** Runs one release in this process to its end: takes over an interrupted one first, then releases the version. */
export async function runForegroundRelease(options: ForegroundReleaseOptions): Promise<ForegroundOutcome> {
  const { loaded, env } = options;
  refuseForegroundTarget(loaded.plan, loaded.file);
  const ttlMs = leaseTtlMs(env);
  const store = await openStore(options.storeUrl, { baseDir: loaded.dir });
  let target: Target | undefined;
  try {
    await refuseDuringMaintenance(store, loaded.plan.service);
    const stateDir = stateDirOf(loaded.dir);
    mkdirSync(stateDir.root, { recursive: true });
    target = await createTarget(loaded.plan, { planDir: loaded.dir, stateDir: stateDir.root, secrets: secretsOfPlan([options.text], env) });
    if (!target) throw new UsageError(`the plan has no target: add target: to ${loaded.file} to release ${loaded.plan.service}`);
    // A fresh CI workspace knows nothing of what earlier runners started; the shared store does.
    target.adoptVersions?.(await versionsOnRecord(store, loaded.plan.service));
    const events = new EventBus(store);
    events.subscribe(options.onEvent);
    const runner = newRunnerIdentity('foreground');
    const engine = new ReleaseEngine({ plan: loaded.plan, planDir: loaded.dir, store, events, target, clock: systemClock, runner, lockTtlMs: ttlMs, hooks: releaseHooks(loaded.plan, loaded.dir, store, options.progress) });
    options.progress(`running in the foreground as ${holderName(runner)} (release lease ${formatDuration(ttlMs)})`);
    const readPlan = (file: string, text: string): ReleasePlan => {
      const plan = planFromText(text, file, env).loaded.plan;
      return { plan, hooks: releaseHooks(plan, loaded.dir, store, options.progress) };
    };
    try {
      return await runReleases(engine, store, events, options, readPlan);
    } finally {
      await engine.close();
    }
  } finally {
    await target?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  }
}

async function runReleases(
  engine: ReleaseEngine,
  store: Store,
  events: EventBus,
  options: ForegroundReleaseOptions,
  readPlan: (file: string, text: string) => ReleasePlan,
): Promise<ForegroundOutcome> {
  const { loaded, version, progress } = options;
  const service = loaded.plan.service;
  const interrupted = await engine.recover((releaseId) => recordedPlan(store, releaseId, ({ file, text }) => readPlan(file ?? loaded.file, text ?? options.text), { warn: (_fields, line) => progress(line) }));
  let tookOver: ReleaseResult | undefined;
  if (interrupted) {
    progress(`took over release ${interrupted.releaseId}, left unfinished by a runner whose lease lapsed; resuming it from its last recorded step`);
    tookOver = await untilDone(engine, interrupted.releaseId, interrupted.finished, options.signal);
    if (tookOver.version === version) return { release: tookOver, tookOver: undefined };
    progress(`release ${tookOver.id} of ${tookOver.version} ended ${tookOver.status}; now releasing ${version}`);
  }
  const plan = readPlan(loaded.file, options.text);
  const started = await engine.start(version, { owner: options.owner, yes: options.yes, notes: options.notes, plan });
  // The plan as written (variables unexpanded, so no secret): a runner that takes the release over resumes with it.
  await events.record({ service, releaseId: started.releaseId, type: 'release.plan', data: { file: loaded.file, dir: loaded.dir, sha256: planFromText(options.text, loaded.file, options.env).sha256, text: options.text } });
  if (options.participants && options.participants.length > 0) {
    await events.record({ service, releaseId: started.releaseId, type: 'release.participants', data: { names: options.participants } });
  }
  return { release: await untilDone(engine, started.releaseId, started.finished, options.signal), tookOver };
}

/** The release's end; on SIGINT/SIGTERM the engine stops and the release stays as persisted (exit 3). */
async function untilDone(engine: ReleaseEngine, releaseId: string, finished: Promise<ReleaseResult>, signal: AbortSignal | undefined): Promise<ReleaseResult> {
  const stop = () => void engine.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await finished;
  } catch (error) {
    if (!signal?.aborted) throw error;
    throw new GlidepathError(
      `interrupted: release ${releaseId} stays as it is; the next deploy --foreground or daemon takes it over once this runner's lease lapses`,
      { code: 'interrupted', exitCode: EXIT.unavailable, cause: error },
    );
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

async function refuseDuringMaintenance(store: Store, service: string): Promise<void> {
  const lock = await readMaintenanceLock(store.locks, service);
  if (!lock) return;
  throw new GlidepathError(`${service} is locked by ${lock.by} since ${lock.since}${lock.message ? `: ${lock.message}` : ''}; no release starts until glidepath lock release`, {
    code: 'locked',
    exitCode: EXIT.unavailable,
  });
}
