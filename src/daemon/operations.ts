/**
 * The daemon's operating half: monitors and alert rules of the plan in force, on the daemon's scheduler (the one
 * the jobs run on, so every scheduled run's lateness is measured the same way), with alerts told to the event log
 * and the structured log through an AlertSink.
 */
import type { Notification } from '../notifiers/index.js';
import { alertNotification } from './alert-notifications.js';
import { sampleCondition } from '../alerts/alert-conditions.js';
import { AlertRules } from '../alerts/alert-rules.js';
import type { AlertActions, AlertSink } from '../alerts/alert-sink.js';
import { HostUsage } from '../alerts/host-usage.js';
import type { OperationsControl } from '../api/api-deps.js';
import type { ReleaseEngine } from '../engine/release-engine.js';
import { runCommand } from '../exec/run-command.js';
import { backupStatus } from '../backups/index.js';
import { planJobs } from '../jobs/plan-jobs.js';
import { monitorReport } from '../monitors/monitor-report.js';
import { BEAT_BATCH_MS, Monitors } from '../monitors/monitors.js';
import { fillPlaceholders } from '../checks/placeholders.js';
import type { Plan } from '../plan/plan-schema.js';
import { checkVariables, runCheckEntry } from '../preflight/plan-checks.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Store } from '../store/index.js';
import { observes, type Target } from '../targets/target.js';
import type { DaemonLogger } from './daemon-log.js';
import type { EventBus } from './event-bus.js';
import { silenceControl } from './silence-control.js';

/** Window of the built-in metrics an alert rule reads. */
export const ALERT_METRIC_WINDOW_MS = 60_000;

/** What the operating half needs from the daemon. */
export interface OperationsDeps {
  plan: Plan;
  planDir: string;
  store: Store;
  events: EventBus;
  logger: DaemonLogger;
  target: Target | undefined;
  engine: ReleaseEngine | undefined;
  clock: Clock;
  scheduler: Scheduler;
  /** Sends alert notifications to the notifiers a rule names (the daemon's notification center). */
  notify?: (notification: Notification, to: readonly string[]) => void;
}

/** How often monitor uptime older than the longest window is dropped. */
export const UPTIME_PRUNE_INTERVAL_MS = 3_600_000;

/** Running monitors and alert rules, what the API asks of them, and how to stop them. */
export interface Operations {
  control: OperationsControl;
  /** Makes `plan`'s monitors and alert rules the ones that run, from their next evaluation on. */
  apply(plan: Plan): void;
  /** Each monitor of the plan in force and whether it is down now (for `/metrics`). */
  monitorStates(): { name: string; down: boolean }[];
  stop(): Promise<void>;
}

/** An AlertSink that writes to the event log (`alert.*` events) and the daemon's log. */
export function eventLogAlertSink(service: string, events: EventBus, logger: DaemonLogger, send?: OperationsDeps['notify']): AlertSink {
  return {
    async stateChanged(t) {
      await events.record({ service, type: 'alert.state', data: { ...t } });
      const level = t.to === 'firing' && t.severity === 'critical' ? 'error' : t.to === 'firing' ? 'warn' : 'info';
      logger[level]({ alert: t.rule, severity: t.severity, from: t.from, to: t.to, value: t.value }, `alert ${t.rule} (${t.severity}): ${t.from} → ${t.to}: ${t.detail}`);
    },
    async notify(n) {
      await events.record({ service, type: 'alert.notification', data: { ...n } });
      if (n.notify.length > 0) send?.(alertNotification(service, n, new Date()), n.notify);
      logger.info({ alert: n.rule, status: n.status, repeat: n.repeat, notify: n.notify }, `alert ${n.rule} ${n.status}${n.repeat ? ' (repeat)' : ''}: notification sent`);
    },
    async acted(rule, action, outcome) {
      await events.record({ service, type: 'alert.action', data: { rule, action, ...outcome } });
      logger[outcome.ok ? 'info' : 'error']({ alert: rule, action, ok: outcome.ok }, `alert ${rule}: do ${action}: ${outcome.detail}`);
    },
  };
}

function alertActions(deps: OperationsDeps): AlertActions {
  return {
    async rollback(reason) {
      const engine = deps.engine;
      if (!engine) throw new Error('the plan has no target to roll back');
      const running = engine.activeReleaseId;
      if (running) {
        await engine.abort(reason);
        return `rolling back release ${running}`;
      }
      const result = await engine.rollback({ by: reason });
      return `release ${result.id} rolled back to ${result.version}: ${result.status}`;
    },
    async run(command) {
      const outcome = await runCommand({ command, cwd: deps.planDir, timeoutMs: 60_000 });
      const ok = outcome.exitCode === 0;
      return { ok, detail: outcome.spawnError ?? `exit ${outcome.exitCode ?? outcome.signal ?? '?'}${outcome.lastLine ? `: ${outcome.lastLine}` : ''}` };
    },
  };
}

/** The serving version's built-in metric: the ready version with the most traffic. */
async function servingMetric(target: Target | undefined, metric: string): Promise<number | null> {
  const serving = (target?.versions() ?? []).filter((v) => v.state === 'ready').sort((a, b) => b.weight - a.weight)[0];
  if (!target || !serving || !observes(target)) return null;
  const m = await target.metrics(serving.version, ALERT_METRIC_WINDOW_MS);
  if (!m) return null;
  const values: Record<string, number | null> = { rps: m.rps, error_rate: m.requests > 0 ? m.errorRate : null, p50: m.p50, p95: m.p95, p99: m.p99, cpu: m.cpu, memory: m.memory };
  return values[metric] ?? null;
}

/** Starts the plan's monitors and alert rules. */
export async function startOperations(deps: OperationsDeps): Promise<Operations> {
  const { plan, store, events, logger, clock, scheduler } = deps;
  const service = plan.service;
  // The plan in force: the one the daemon started with, then each one applied.
  let current = plan;
  const variables = checkVariables(plan);
  const monitors = new Monitors({
    service,
    plan,
    cwd: deps.planDir,
    variables,
    store,
    scheduler,
    clock,
    beatBatchMs: BEAT_BATCH_MS,
    onChange: (change) => {
      void events.record({ service, type: 'monitor.changed', data: { ...change } }).catch(() => undefined);
      logger[change.to === 'down' ? 'warn' : 'info']({ monitor: change.name, from: change.from, to: change.to }, `monitor ${change.name}: ${change.from} → ${change.to}: ${change.detail}`);
    },
    onError: (name, error) => logger.error({ monitor: name, err: error }, `monitor ${name}: ${describeError(error)}`),
  });
  await monitors.start();
  const monitored = { has: (name: string) => monitors.definitions.some((d) => d.name === name) };
  const host = new HostUsage();
  const jobNames = planJobs(plan, deps.planDir, store).map((job) => job.name);
  const rules = new AlertRules({
    service,
    rules: plan.alerts,
    store,
    scheduler,
    clock,
    sink: eventLogAlertSink(service, events, logger, deps.notify),
    actions: alertActions(deps),
    onError: (rule, error) => logger.error({ alert: rule, err: error }, `alert ${rule}: ${describeError(error)}`),
    sample: (rule) =>
      sampleCondition(rule, {
        servingMetric: (metric) => servingMetric(deps.target, metric),
        checkDown: async (name) => {
          if (monitored.has(name)) return { down: monitors.status(name) === 'down', detail: '' };
          const entry = current.checks[name];
          if (!entry) return { down: true, detail: `no check ${name}` };
          const result = await runCheckEntry(name, entry, { cwd: deps.planDir, variables });
          return { down: result.status !== 'pass', detail: result.detail };
        },
        backupAgeMs: async (source) => {
          const [newest] = await store.backups.list({ service, source: source === '*' ? undefined : source, status: 'succeeded', limit: 1 });
          const at = newest?.finishedAt ?? newest?.startedAt;
          return at ? clock.now().getTime() - Date.parse(at) : null;
        },
        jobs: {
          jobNames: () => jobNames,
          recentRuns: (job, limit) => store.jobs.history(service, job, limit),
        },
        recoveryPoints: () => backupStatus({ store, plan, now: clock.now() }),
        host,
        planDir: deps.planDir,
        fill: (text) => fillPlaceholders(text, variables),
      }),
  });
  await rules.start();
  // Uptime older than the longest window is dropped once an hour.
  const prune = scheduler.repeat('monitor-uptime-prune', 0, async () => (await store.monitors.pruneUptime(clock.now()), UPTIME_PRUNE_INTERVAL_MS), {
    onError: (error) => logger.error({ err: error }, `prune monitor uptime: ${describeError(error)}`),
  });
  return {
    control: {
      monitors: () => monitorReport(service, monitors.definitions, store, clock.now()),
      alerts: async () => ({ service, alerts: await rules.list() }),
      alertHistory: async (query) => ({ service, history: await store.alerts.history(service, query) }),
      ...silenceControl(service, store, events, clock),
    },
    monitorStates: () => monitors.definitions.map((d) => ({ name: d.name, down: monitors.status(d.name) === 'down' })),
    apply: (next) => {
      current = next;
      monitors.apply(next);
      rules.apply(next.alerts);
    },
    stop: async () => {
      rules.stop();
      await Promise.all([prune.stop(), monitors.stop()]);
    },
  };
}
