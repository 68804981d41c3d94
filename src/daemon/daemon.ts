/** The daemon: the composition root that wires the store, the API and the runtime, and stops them cleanly. */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { StatusDocument } from '../api/contract.js';
import { buildApiServer } from '../api/server.js';
import { loadOrCreateMetricsToken, loadOrCreateTokens } from '../api/tokens.js';
import type { LoadedPlan } from '../plan/load.js';
import { LockHeldError, UnavailableError, describeError } from '../shared/errors.js';
import { glidepathVersion } from '../shared/version.js';
import { openStore, type Store } from '../store/index.js';
import { createTarget } from '../targets/registry.js';
import type { Target } from '../targets/target.js';
import { ReleaseEngine } from '../engine/release-engine.js';
import { newRunnerIdentity } from '../engine/runner-identity.js';
import { daemonTakeover, leaseTtlMs } from './release-lease.js';
import { JobRunner } from '../jobs/job-runner.js';
import { planJobs } from '../jobs/plan-jobs.js';
import { systemClock } from '../shared/clock.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { startOperations, type Operations } from './operations.js';
import { watchPlanFile } from './plan-watch.js';
import { EventBus } from './event-bus.js';
import { releaseControl } from './release-control.js';
import { releaseHooks } from './release-hooks.js';
import { trafficDocument, trafficStatus, trafficTotals } from './traffic-status.js';
import { DaemonMetrics } from './daemon-metrics.js';
import { acquireDaemonLock, clearDaemonInfo, releaseDaemonLock, stateDirOf, writeDaemonInfo, type StateDir } from './state-dir.js';
import { PlanSource, planSha256, type PlanInForce, type PlanRef } from './plan-in-force.js';
import { recordedPlan } from './recorded-plan.js';
import { apiReads } from './api-reads.js';
import { startNotifications, type DaemonNotifications } from './notifications.js';
import { currentReleasePhase } from './release-phase.js';
import { createDaemonLog, lineLogger, releaseEventFields, secretsOfPlan, type DaemonLogDestination, type DaemonLogger } from './daemon-log.js';

/** What starts a daemon: the plan, its store, and where to log. */
export interface DaemonOptions {
  loaded: LoadedPlan;
  /** The plan file's text as `loaded` was read from it (read again when not given). */
  planText?: string;
  /** The environment plans are read with at each release (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  storeUrl: string;
  /** Where the JSON log goes (a rotated file, or stdout); without it, plain lines go to `log`. */
  logTo?: DaemonLogDestination;
  log?: (line: string) => void;
}

/** A running daemon; `stopped` resolves once everything it started is gone. */
export class Daemon {
  readonly url: string;
  readonly stopped: Promise<void>;
  readonly #api: FastifyInstance;
  readonly #store: Store;
  readonly #dir: StateDir;
  readonly #log: (line: string) => void;
  readonly #closeLog: () => Promise<void>;
  readonly #target: Target | undefined;
  readonly #engine: ReleaseEngine | undefined;
  readonly #jobs: JobRunner;
  readonly #operations: Operations;
  readonly #scheduler: Scheduler;
  readonly #notifications: DaemonNotifications;
  #stopping: Promise<void> | undefined;
  #resolveStopped: () => void = () => undefined;

  private constructor(parts: {
    url: string;
    api: FastifyInstance;
    store: Store;
    dir: StateDir;
    target: Target | undefined;
    engine: ReleaseEngine | undefined;
    jobs: JobRunner;
    operations: Operations;
    scheduler: Scheduler;
    notifications: DaemonNotifications;
    log: (line: string) => void;
    closeLog: () => Promise<void>;
  }) {
    this.#target = parts.target;
    this.#engine = parts.engine;
    this.#jobs = parts.jobs;
    this.#operations = parts.operations;
    this.#scheduler = parts.scheduler;
    this.#notifications = parts.notifications;
    this.url = parts.url;
    this.#api = parts.api;
    this.#store = parts.store;
    this.#dir = parts.dir;
    this.#log = parts.log;
    this.#closeLog = parts.closeLog;
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
  }

  /** Opens the store, starts the API on the plan's daemon address and records where it listens. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const { plan, file, dir: planDir } = options.loaded;
    const dir = stateDirOf(planDir);
    const env = options.env ?? process.env;
    const text = options.planText ?? readFileSync(file, 'utf8');
    const startedPlan: PlanInForce = { loaded: options.loaded, text, sha256: planSha256(text) };
    const plans = new PlanSource(startedPlan, env, () => `pid ${process.pid} at http://${plan.daemon.listen}`);
    const daemonLog = options.logTo ? createDaemonLog(options.logTo, () => secretsOfPlan(plans.texts, env)) : undefined;
    const logger: DaemonLogger = daemonLog?.logger ?? lineLogger(options.log ?? (() => undefined));
    const log = (line: string) => logger.info({}, line);
    const closeLog = async () => daemonLog?.close();
    try {
      return await Daemon.#start(options, { plans, logger, log, closeLog, dir });
    } catch (error) {
      logger.fatal({ err: error }, `the daemon for ${plan.service} cannot start: ${describeError(error)}`);
      await closeLog();
      throw error;
    }
  }

  static async #start(
    options: DaemonOptions,
    parts: { plans: PlanSource; logger: DaemonLogger; log: (line: string) => void; closeLog: () => Promise<void>; dir: StateDir },
  ): Promise<Daemon> {
    const { plan, file, dir: planDir } = options.loaded;
    const { plans, logger, log, dir } = parts;
    // Before anything is opened: a second daemon of the project stops here, touching nothing.
    acquireDaemonLock(dir);
    let store: Store;
    try {
      store = await openStore(options.storeUrl, { baseDir: planDir });
    } catch (error) {
      releaseDaemonLock(dir);
      throw error;
    }
    const startedAt = new Date();
    const events = new EventBus(store);
    const metrics = new DaemonMetrics(plan.service);
    const env = options.env ?? process.env;
    // One scheduler for everything that runs on time (jobs, backups, monitors, alerts), with one lateness measure;
    // monitors' and rules' beats on a half-second grid, so those due together share a wake-up.
    const scheduler = new Scheduler(systemClock, { onLateness: (ms) => metrics.scheduled(ms), coalesceMs: 500 });
    const jobs = new JobRunner({ service: plan.service, repository: store.jobs, clock: systemClock, scheduler, secrets: () => secretsOfPlan(plans.texts, env), log });
    const notifications = startNotifications({ plan, planDir, store, events, url: `http://${plan.daemon.listen}`, log });
    let daemon: Daemon | undefined;
    let target: Target | undefined;
    let engine: ReleaseEngine | undefined;
    let operations: Operations | undefined;
    try {
      target = await createTarget(plan, { planDir, stateDir: dir.root, secrets: secretsOfPlan([plans.started.text, plans.current.text], env) });
      const runtime = target;
      runtime?.onNotice?.((notice) => logger[notice.level](notice.fields, notice.message));
      engine = runtime
        ? new ReleaseEngine({
            plan, planDir, store, events, target: runtime, clock: systemClock, hooks: releaseHooks(plan, planDir, store, log),
            runner: newRunnerIdentity('daemon'), takeOverLive: daemonTakeover, lockTtlMs: leaseTtlMs(env),
          })
        : undefined;
      const releaseEngine = engine;
      metrics.attach({
        versions: () => runtime?.versions() ?? [],
        proxySnapshot: runtime?.proxyMetrics ? () => runtime.proxyMetrics?.(60) ?? Promise.reject(new Error('no proxy')) : undefined,
        releasePhase: () => currentReleasePhase(store, releaseEngine?.activeReleaseId),
      });
      const status = async (): Promise<StatusDocument> => {
        const active = releaseEngine?.activeReleaseId;
        const release = active ? await store.releases.get(active) : undefined;
        const document = trafficStatus(plan.service, runtime?.versions() ?? [], release?.version);
        return { ...document, release: release ? { id: release.id, status: release.status, step: release.currentStep } : null };
      };
      events.subscribe((event) => {
        if (event.releaseId) logger.info(releaseEventFields(event), `release ${event.releaseId}: ${event.type}`);
        // What users saw during a release: the proxy's totals when it starts and ends, for the launch record.
        if ((event.type === 'release.created' || event.type === 'release.finished') && runtime?.proxyMetrics && event.releaseId) {
          const phase = event.type === 'release.created' ? 'start' : 'end';
          void trafficTotals({ proxyMetrics: runtime.proxyMetrics.bind(runtime) })
            .then((totals) => events.record({ service: plan.service, releaseId: event.releaseId, type: 'release.traffic', data: { phase, totals } }))
            .catch(() => undefined);
        }
        if (event.type === 'release.finished' && typeof event.data.status === 'string') metrics.releaseFinished(event.data.status);
        if (event.type === 'analysis.measurement' && typeof event.data.metric === 'string' && typeof event.data.verdict === 'string') {
          metrics.measured(event.data.metric, event.data.verdict);
        }
      });
      /** The plan a release runs, validated against the daemon's; made the one in force once the release holds the lock. */
      const readReleasePlan = (ref: PlanRef | undefined) => {
        const inForce = plans.forRelease(ref);
        const next = inForce.loaded.plan;
        return {
          inForce,
          plan: next,
          hooks: releaseHooks(next, planDir, store, log),
          adopt: () => {
            plans.adopt(inForce);
            // Jobs, monitors and alerts follow the plan in force, as the release does.
            operate(inForce);
            if (next.target) runtime?.reconfigure?.(next.target);
          },
        };
      };
      operations = await startOperations({ plan, planDir, store, events, logger, target: runtime, engine: releaseEngine, clock: systemClock, scheduler,
        notify: (notification, to) => void notifications.center.notify(notification, { to }).catch((error: unknown) => logger.error({ err: error }, `alert notification: ${describeError(error)}`)),
      });
      const running = operations;
      metrics.attachMonitors(() => running.monitorStates());
      const operate = (inForce: PlanInForce) => {
        jobs.apply(planJobs(inForce.loaded.plan, planDir, store)).catch((error: unknown) => logger.error({ err: error }, `jobs of the new plan: ${describeError(error)}`));
        running.apply(inForce.loaded.plan);
      };
      // An edit of the plan file reaches jobs, monitors and alerts without a deploy or a restart.
      watchPlanFile({
        plans,
        scheduler,
        apply: (inForce) => (logger.info({ sha256: inForce.sha256 }, `plan ${file} edited: jobs, monitors and alerts follow it`), operate(inForce)),
        problem: (message) => logger.error({}, message),
      });
      const api = await buildApiServer({
        service: plan.service,
        planFile: file,
        store,
        tokens: { ...loadOrCreateTokens(dir.token), metrics: loadOrCreateMetricsToken(dir.token) },
        startedAt,
        glidepathVersion: glidepathVersion(),
        subscribe: (listener) => events.subscribe(listener),
        status,
        traffic: () => trafficDocument(plan.service, runtime),
        releases:
          releaseEngine &&
          releaseControl(releaseEngine, events, plan.service, logger, readReleasePlan),
        jobs,
        operations: operations.control,
        ...apiReads(store, plans),
        metrics: () => metrics.exposition(),
        shutdown: (how) => void daemon?.stop(how?.keepServing ? 'asked over the API, keeping the service served' : 'asked over the API', how),
        logger,
      });
      const [host, port] = splitListen(plan.daemon.listen);
      await api.listen({ host, port }).catch((error: unknown) => {
        throw new UnavailableError(`daemon cannot listen on ${plan.daemon.listen}: ${describeError(error)}`, error);
      });
      const url = `http://${plan.daemon.listen}`;
      daemon = new Daemon({ url, api, store, dir, target, engine, jobs, operations, scheduler, notifications, log, closeLog: parts.closeLog });
      writeDaemonInfo(dir, { pid: process.pid, url, service: plan.service, plan: file, startedAt: startedAt.toISOString() });
      await events.record({ service: plan.service, type: 'daemon.started', data: { pid: process.pid, url } });
      log(`glidepath daemon for ${plan.service} listening on ${url} (pid ${process.pid})`);
      await jobs.apply(planJobs(plan, planDir, store));
      // A release another runner (a CI job) holds now is its business: the daemon serves on and leaves it alone.
      const recovered = await engine?.recover((releaseId) => recordedPlan(store, releaseId, readReleasePlan, logger)).catch((error: unknown) => {
        if (!(error instanceof LockHeldError)) throw error;
        logger.warn({}, `not resuming: ${error.message}`);
        return undefined;
      });
      if (recovered) {
        log(`resuming release ${recovered.releaseId} interrupted by the previous daemon`);
        recovered.finished.catch((error: unknown) => logger.error({ releaseId: recovered.releaseId, err: error }, `resumed release ${recovered.releaseId}: ${describeError(error)}`));
      }
      return daemon;
    } catch (error) {
      await jobs.stop().catch(() => undefined);
      await operations?.stop().catch(() => undefined);
      await scheduler.stopAll();
      await engine?.close().catch(() => undefined);
      await target?.close().catch(() => undefined);
      await notifications.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      releaseDaemonLock(dir);
      throw error;
    }
  }

  /**
   * Stops the API, then the runtime, then the store; safe to call more than once. With `keepServing` the proxy and
   * the versions are let go, still serving, for the next daemon to adopt.
   */
  stop(reason: string, how: { keepServing?: boolean } = {}): Promise<void> {
    this.#stopping ??= (async () => {
      this.#log(`stopping: ${reason}`);
      await this.#api.close().catch(() => undefined);
      await this.#jobs.stop().catch(() => undefined);
      await this.#operations.stop().catch(() => undefined);
      await this.#scheduler.stopAll();
      // A running release stays as persisted; the next daemon resumes it.
      await this.#engine?.close().catch(() => undefined);
      const target = this.#target;
      const leave = how.keepServing && target?.detach ? () => target.detach?.() : () => target?.close();
      await leave()?.catch((error: unknown) => this.#log(`stopping the runtime: ${describeError(error)}`));
      // Retries stop; every delivery already made is in the log before the store closes.
      await this.#notifications.close().catch(() => undefined);
      clearDaemonInfo(this.#dir, process.pid);
      await this.#store.close().catch(() => undefined);
      releaseDaemonLock(this.#dir);
      this.#log('stopped');
      await this.#closeLog().catch(() => undefined);
      this.#resolveStopped();
    })();
    return this.#stopping;
  }
}

function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(listen.slice(at + 1))];
}
