/**
 * The daemon's alert rules: each evaluated on its interval on the scheduler, its state persisted, its changes sent
 * to the sink. A new plan's rules take over at their next evaluation; a rule's state survives a change of it.
 */
import type { AlertRule } from '../plan/schema/alerts.js';
import { DEFAULT_ALERT_INTERVAL_MS } from '../plan/schema/alerts.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { JsonObject, SilenceRecord, Store } from '../store/index.js';
import { INITIAL_ALERT_MEMORY, stepAlert, type AlertMemory, type AlertSample } from './alert-state.js';
import type { AlertActions, AlertSink } from './alert-sink.js';
import { renderAlertTemplate } from './alert-template.js';
import { decideNotification, INITIAL_NOTIFY_MEMORY, type NotifyMemory } from './notify-policy.js';
import { silenceMatches } from './silence-match.js';
import type { ScheduleHandle, Scheduler } from '../scheduler/scheduler.js';
import { firstRunOffsetMs } from '../scheduler/spread.js';

/** A rule's persisted memory: its state and its notification state. */
export type RuleMemory = AlertMemory & NotifyMemory;

/** One rule in `GET /v1/alerts`. */
export interface AlertView extends RuleMemory {
  name: string;
  severity: string;
  for: number;
  keepFiringFor: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  silencedBy: string[];
}

/** What alert rules need from the daemon. */
export interface AlertRulesDeps {
  service: string;
  rules: readonly AlertRule[];
  store: Pick<Store, 'alerts'>;
  scheduler: Scheduler;
  clock: Clock;
  sample(rule: AlertRule): Promise<AlertSample>;
  sink: AlertSink;
  actions: AlertActions;
  onError(rule: string, error: unknown): void;
}

/** The scheduler's name of a rule's evaluations. */
export function alertScheduleName(name: string): string {
  return `alert:${name}`;
}

/** Evaluates the plan's alert rules until stopped. */
export class AlertRules {
  readonly #deps: AlertRulesDeps;
  readonly #memory = new Map<string, RuleMemory>();
  readonly #running = new Map<string, { fingerprint: string; handle: ScheduleHandle }>();
  /** What of each rule's memory was last written to the store ({@link durablePart}). */
  readonly #written = new Map<string, string>();
  #rules: readonly AlertRule[];
  #saved = new Map<string, unknown>();

  constructor(deps: AlertRulesDeps) {
    this.#deps = deps;
    this.#rules = deps.rules;
  }

  /**
   * Loads the persisted states (a firing alert stays firing across a restart) and starts evaluating, the rules'
   * first evaluations spread over their interval.
   */
  async start(): Promise<void> {
    this.#saved = await this.#deps.store.alerts.states(this.#deps.service);
    this.#apply(this.#rules, true);
  }

  /**
   * Makes `rules` the ones evaluated: a new rule is evaluated right away, a changed one at once with its state
   * kept (a firing alert does not start over), a removed one stops; the others keep their rhythm.
   */
  apply(rules: readonly AlertRule[]): void {
    this.#apply(rules, false);
  }

  /** Starts the rules not running yet: at once, or (at the start) their first evaluations spread over the interval. */
  #apply(rules: readonly AlertRule[], spread: boolean): void {
    this.#rules = rules;
    const wanted = new Map(rules.map((rule) => [rule.name, rule]));
    for (const [name, running] of this.#running) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next) === running.fingerprint) continue;
      void running.handle.stop();
      this.#running.delete(name);
    }
    const starting = rules.filter((rule) => !this.#running.has(rule.name));
    for (const [index, rule] of starting.entries()) {
      if (!this.#memory.has(rule.name)) {
        this.#memory.set(rule.name, { ...INITIAL_ALERT_MEMORY, ...INITIAL_NOTIFY_MEMORY, ...(this.#saved.get(rule.name) as Partial<RuleMemory> | undefined) });
      }
      const every = rule.interval ?? DEFAULT_ALERT_INTERVAL_MS;
      const firstMs = spread ? firstRunOffsetMs(index, starting.length, every) : 0;
      const handle = this.#deps.scheduler.repeat(alertScheduleName(rule.name), firstMs, async () => (await this.evaluate(rule), every), {
        onError: (error) => this.#deps.onError(rule.name, error),
      });
      this.#running.set(rule.name, { fingerprint: JSON.stringify(rule), handle });
    }
  }

  /** Stops evaluating (an evaluation in progress, and an action it runs, is not waited for). */
  stop(): void {
    for (const { handle } of this.#running.values()) void handle.stop();
    this.#running.clear();
  }

  /** Every rule with its state, the silences that hold for it now, and its templated labels and annotations. */
  async list(): Promise<AlertView[]> {
    const silences = await this.#deps.store.alerts.silences(this.#deps.service, { at: this.#deps.clock.now() });
    return this.#rules.map((rule) => {
      const memory = this.#memory.get(rule.name) ?? { ...INITIAL_ALERT_MEMORY, ...INITIAL_NOTIFY_MEMORY };
      const labels = this.#labels(rule, memory.value);
      return {
        name: rule.name,
        severity: rule.severity,
        for: rule.for,
        keepFiringFor: rule.keepFiringFor,
        ...memory,
        labels,
        annotations: this.#annotations(rule, memory.value, labels),
        silencedBy: silencing(silences, labels),
      };
    });
  }

  /** Evaluates one rule now: sample, step, persist, tell the sink, act. */
  async evaluate(rule: AlertRule): Promise<void> {
    const { clock, sink, service } = this.#deps;
    const before = this.#memory.get(rule.name) ?? { ...INITIAL_ALERT_MEMORY, ...INITIAL_NOTIFY_MEMORY };
    const sample = await this.#deps.sample(rule);
    const now = clock.now();
    const step = stepAlert(before, sample, { forMs: rule.for, keepFiringForMs: rule.keepFiringFor }, now);
    const labels = this.#labels(rule, step.memory.value);
    const silencedBy = silencing(await this.#deps.store.alerts.silences(service, { at: now }), labels);
    const decision = decideNotification({ notified: before.notified, notifiedAt: before.notifiedAt }, step.memory.state, silencedBy.length > 0, { repeatIntervalMs: rule.repeatInterval, groupIntervalMs: rule.groupInterval }, now);
    const after: RuleMemory = { ...step.memory, notified: decision.memory.notified, notifiedAt: decision.memory.notifiedAt };
    this.#memory.set(rule.name, after);
    const change = step.changed ? { from: before.state, severity: rule.severity, data: { value: after.value, detail: after.detail, silencedBy } as JsonObject } : undefined;
    // The store's copy is what a restarted daemon goes on from: written when a part that decides the next states
    // and notifications changed, not for each new value or detail of an alert that stays as it was.
    const durable = durablePart(after);
    if (change || durable !== this.#written.get(rule.name)) {
      await this.#deps.store.alerts.save(service, rule.name, after as unknown as JsonObject & { state: string }, change);
      this.#written.set(rule.name, durable);
    }
    if (step.changed) {
      await sink.stateChanged({ rule: rule.name, severity: rule.severity, from: before.state, to: after.state, at: now.toISOString(), value: after.value, detail: after.detail, silencedBy });
    }
    if (decision.send !== null) {
      await sink.notify({
        status: decision.send,
        rule: rule.name,
        severity: rule.severity,
        labels,
        annotations: this.#annotations(rule, after.value, labels),
        value: after.value,
        activeAt: after.activeAt,
        firedAt: after.firedAt,
        resolvedAt: after.resolvedAt,
        repeat: decision.repeat,
        notify: rule.notify,
      });
    }
    // Actions run once per firing, and not during a silence (a maintenance window must not roll back).
    if (step.changed && after.state === 'firing' && silencedBy.length === 0 && rule.do !== undefined) await this.#act(rule, after);
  }

  async #act(rule: AlertRule, memory: RuleMemory): Promise<void> {
    const { actions, sink } = this.#deps;
    try {
      if (rule.do === 'rollback') {
        const detail = await actions.rollback(`alert ${rule.name} fired: ${memory.detail}`);
        await sink.acted(rule.name, 'rollback', { ok: true, detail });
      } else if (rule.do === 'run' && rule.run !== undefined) {
        await sink.acted(rule.name, 'run', await actions.run(rule.run));
      }
    } catch (error) {
      await sink.acted(rule.name, rule.do ?? 'none', { ok: false, detail: describeError(error) });
    }
  }

  #labels(rule: AlertRule, value: number | null): Record<string, string> {
    const base = { alertname: rule.name, severity: rule.severity, service: this.#deps.service };
    const own = Object.fromEntries(Object.entries(rule.labels).map(([k, v]) => [k, renderAlertTemplate(v, value, base)]));
    return { ...own, ...base };
  }

  #annotations(rule: AlertRule, value: number | null, labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, renderAlertTemplate(v, value, labels)]));
  }
}

/**
 * The part of a rule's memory a restart needs (its state, the times `for`, `keepFiringFor` and the notification
 * intervals count from), as text to compare; the last value, detail, error and evaluation time are not in it.
 */
function durablePart(memory: RuleMemory): string {
  const { state, activeAt, firedAt, resolvedAt, lastActiveAt, notified, notifiedAt } = memory;
  return JSON.stringify([state, activeAt, firedAt, resolvedAt, lastActiveAt, notified, notifiedAt]);
}

function silencing(silences: readonly SilenceRecord[], labels: Record<string, string>): string[] {
  return silences.filter((s) => silenceMatches(s.matchers, labels)).map((s) => s.id);
}
