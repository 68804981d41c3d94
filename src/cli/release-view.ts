/** What `deploy` shows while a release runs: a live view on a terminal, one line per event elsewhere. */
import type { TrafficDocument } from '../api/contract.js';
import { formatDuration } from '../shared/duration.js';
import type { StoredEvent } from '../store/index.js';

interface StepLine {
  position: number;
  kind: string;
  status: string;
  detail: Record<string, unknown>;
  startedAt: number;
  /** 1-based index of the plan's canary step this step carries out, when it is one. */
  planStep: number | undefined;
}

/** What the view knows of the plan: how many steps its canary lists (steps are counted as the plan counts them). */
export interface ReleaseViewOptions {
  canarySteps?: number;
}

const MARK: Record<string, string> = { succeeded: '✔', passed: '✔', pass: '✔', skipped: '–', failed: '✘', fail: '✘', error: '✘', rolled_back: '↩', aborted: '–', running: '…' };

/** What a person types to end a `pause: {}` step. */
export const PROMOTE_WAIT = 'waiting for `glidepath promote`';

/** A JSON value as text in a line (strings bare, the rest as JSON). */
const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

const weightsOf = (value: unknown): Record<string, number> | undefined => {
  const entries = Object.entries(record(value)).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(entries) : undefined;
};

const showWeights = (weights: Readonly<Record<string, number>>): string =>
  Object.entries(weights)
    .map(([v, w]) => `${v} ${w}%`)
    .join(', ') || 'no version';

/** A step of the plan (a weight, or a pause the plan lists), as opposed to one a person or the engine added. */
function isPlanStep(kind: string, detail: Record<string, unknown>): boolean {
  return kind === 'weight' || kind === 'bench' || (kind === 'pause' && detail.manual !== true);
}

function stepLabel(step: { kind: string; status: string; detail: Record<string, unknown> }): string {
  const d = step.detail;
  const by = typeof d.by === 'string' ? d.by : 'someone';
  if (step.kind === 'promote' && d.manual === true) return `promoted by ${by}: the remaining steps are skipped`;
  if ((step.kind === 'weight' || step.kind === 'promote') && d.weights) return `${step.kind} ${showWeights(weightsOf(d.weights) ?? {})}`;
  if (step.kind === 'pause') {
    if (d.manual === true) return `paused by ${by} (glidepath resume goes on)`;
    if (typeof d.durationMs === 'number') return `pause ${formatDuration(d.durationMs)}`;
    if (step.status === 'running') return `pause — ${PROMOTE_WAIT}`;
    return `pause until promoted${d.promoted === true ? ': promoted' : d.resumed === true ? ': resumed' : ''}`;
  }
  if (step.kind === 'resume') return `resumed by ${by}`;
  if (step.kind === 'abort') return `aborted by ${by}`;
  if (step.kind === 'rollback' && d.weights) return `rollback to ${showWeights(weightsOf(d.weights) ?? {})}`;
  return step.kind;
}

const pct = (n: number) => `${(n * 100).toFixed(n < 0.1 ? 2 : 1)}%`;
const ms = (n: number | null) => (n === null ? '–' : formatDuration(n));

/** One line for an event, as scripts and logs read it (without the plan's step numbers; see LiveReleaseView.line). */
export function eventLine(event: StoredEvent): string | undefined {
  return new LiveReleaseView().line(event);
}

/** The live view's state, fed by events and traffic polls, drawn as a block of lines. */
export class LiveReleaseView {
  readonly #canarySteps: number | undefined;
  readonly #steps = new Map<number, StepLine>();
  #header = '';
  #strategy = '';
  #previous: string | null = null;
  #status = 'pending';
  #reason = '';
  #finished = false;
  /** The split last applied, from the release's own events; undefined until one is known. */
  #weights: Record<string, number> | undefined;
  #traffic: TrafficDocument | undefined;
  #planStep = 0;
  readonly #measurements = new Map<string, string>();

  constructor(options: ReleaseViewOptions = {}) {
    this.#canarySteps = options.canarySteps;
  }

  /** The split the view shows, in percent per version (undefined before the release moved traffic). */
  get weights(): Readonly<Record<string, number>> | undefined {
    return this.#weights;
  }

  apply(event: StoredEvent): void {
    const d = event.data;
    switch (event.type) {
      case 'release.created':
        this.#strategy = text(d.strategy);
        this.#previous = typeof d.previousVersion === 'string' ? d.previousVersion : null;
        this.#header = `release ${event.releaseId ?? ''}: ${text(d.version)} (${text(d.strategy)}), stable ${text(d.previousVersion) || 'none'}`;
        return;
      case 'step.started': {
        const kind = text(d.kind);
        const detail = record(d.detail);
        const counted = this.#counting && isPlanStep(kind, detail);
        if (counted) this.#planStep++;
        const position = typeof d.position === 'number' ? d.position : this.#steps.size;
        this.#steps.set(position, { position, kind, status: 'running', detail, startedAt: Date.parse(event.at), planStep: counted ? this.#planStep : undefined });
        return;
      }
      case 'step.finished': {
        const step = typeof d.position === 'number' ? this.#steps.get(d.position) : [...this.#steps.values()].reverse().find((s) => s.kind === d.kind && s.status === 'running');
        if (!step) return;
        step.status = text(d.status);
        step.detail = { ...step.detail, ...record(d.detail) };
        // A step a daemon restart cut short runs again (a weight, a timed pause); a `pause: {}` is waited out instead.
        if (step.detail.interrupted === true && step.detail.endedBy === undefined && step.planStep !== undefined && (step.kind === 'weight' || typeof step.detail.durationMs === 'number')) {
          this.#planStep--;
        }
        if (step.status === 'succeeded' && (step.kind === 'weight' || step.kind === 'promote' || step.kind === 'rollback')) {
          const applied = weightsOf(step.detail.applied) ?? weightsOf(step.detail.weights);
          if (applied) this.#weights = applied;
        }
        return;
      }
      case 'release.weights':
        this.#weights = weightsOf(d.weights) ?? this.#weights;
        return;
      case 'analysis.measurement':
        this.#measurements.set(text(d.metric), `${MARK[text(d.verdict)] ?? '?'} ${text(d.metric)}: ${text(d.reason)}`);
        return;
      case 'release.status':
      case 'release.finished':
        this.#status = text(d.status);
        this.#reason = typeof d.reason === 'string' ? d.reason : '';
        if (event.type === 'release.finished') {
          this.#finished = true;
          // Traffic went back to the stable version even when no step said so (a release halted before its rollback step).
          if ((d.status === 'rolled_back' || d.status === 'aborted') && this.#weights !== undefined && Object.keys(this.#weights).length > 0) {
            this.#weights = this.#previous === null ? {} : { [this.#previous]: 100 };
          }
        }
        return;
      default:
        return;
    }
  }

  setTraffic(traffic: TrafficDocument): void {
    this.#traffic = traffic;
  }

  /** The line a log shows for an event once it is applied; undefined for events a log leaves out. */
  line(event: StoredEvent): string | undefined {
    const d = event.data;
    const time = event.at.slice(11, 19);
    switch (event.type) {
      case 'release.created':
        return `${time} release ${event.releaseId ?? ''} of ${text(d.version)} (${text(d.strategy)}), stable ${text(d.previousVersion) || 'none'}`;
      case 'step.started':
      case 'step.finished': {
        const known = typeof d.position === 'number' ? this.#steps.get(d.position) : undefined;
        const step = known ?? { kind: text(d.kind), status: event.type === 'step.started' ? 'running' : text(d.status), detail: record(d.detail), planStep: undefined };
        const head = `${this.#stepNumber(step.planStep)}${stepLabel(step)}`;
        if (event.type === 'step.started') return `${time} … ${head}`;
        const reason = typeof step.detail.reason === 'string' ? `: ${step.detail.reason}` : '';
        return `${time} ${MARK[step.status] ?? '·'} ${head} ${step.status}${reason}`;
      }
      case 'release.weights':
        return `${time} weights ${showWeights(weightsOf(d.weights) ?? {})}`;
      case 'analysis.measurement':
        return `${time}   ${text(d.metric)}: ${text(d.verdict)} — ${text(d.reason)}`;
      case 'release.decision':
      case 'release.steered':
        return `${time} ${event.type.slice(8)}: ${typeof d.reason === 'string' ? d.reason : JSON.stringify(d)}`;
      case 'release.status':
        return `${time} status ${text(d.status)}${typeof d.reason === 'string' ? ` (${d.reason})` : ''}`;
      case 'release.finished':
        return `${time} release ${text(d.status)}${typeof d.reason === 'string' ? `: ${d.reason}` : ''}`;
      case 'release.runner':
        return `${time} runner ${text(d.holder)} ${d.role === 'took-over' ? `took the release over from ${text(d.from) || 'an earlier runner'}` : 'runs the release'}`;
      default:
        return undefined;
    }
  }

  render(now = Date.now()): string[] {
    const lines = [this.#header || 'starting release …'];
    for (const step of this.#steps.values()) {
      const waiting = step.status === 'running' && step.kind === 'pause' && typeof step.detail.durationMs !== 'number';
      let line = `  ${waiting ? '⏸' : (MARK[step.status] ?? '·')} ${this.#stepNumber(step.planStep)}${stepLabel(step)}`;
      const duration = step.detail.durationMs;
      if (step.kind === 'pause' && step.status === 'running' && typeof duration === 'number' && duration > 0) {
        const done = Math.min(1, (now - step.startedAt) / duration);
        const width = 24;
        line += ` [${'█'.repeat(Math.round(done * width)).padEnd(width, '░')}] ${formatDuration(Math.max(0, duration - (now - step.startedAt)))} left`;
      }
      lines.push(line);
    }
    const weights = this.#weights;
    if (weights !== undefined) lines.push(`  traffic  ${Object.entries(weights).map(([v, w]) => `${v} ${w}%`).join('  ') || 'none'}`);
    // Live metrics only while the release runs; each version's share comes from the release's events, which are
    // never behind the split (a poll answered just before a change would be).
    if (!this.#finished) {
      for (const v of this.#traffic?.versions ?? []) {
        const share = weights === undefined ? v.weight : (weights[v.version] ?? 0);
        lines.push(`  ${v.version.padEnd(12)} ${String(share).padStart(3)}%  ${v.rps.toFixed(1).padStart(7)} req/s  errors ${pct(v.errorRate).padStart(6)}  p95 ${ms(v.p95)}`);
      }
    }
    for (const measurement of this.#measurements.values()) lines.push(`  ${measurement}`);
    const paused = this.#status === 'paused' && [...this.#steps.values()].some((s) => s.status === 'running' && s.kind === 'pause' && typeof s.detail.durationMs !== 'number');
    lines.push(`  status   ${this.#status}${paused ? ` — ${PROMOTE_WAIT}` : this.#reason ? ` — ${this.#reason}` : ''}`);
    return lines;
  }

  get #counting(): boolean {
    return this.#canarySteps !== undefined && this.#strategy === 'canary';
  }

  #stepNumber(planStep: number | undefined): string {
    return planStep === undefined || this.#canarySteps === undefined ? '' : `step ${planStep}/${this.#canarySteps}  `;
  }
}
