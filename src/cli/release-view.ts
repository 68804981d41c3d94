/** What `deploy` shows while a release runs: a live view on a terminal, one line per event elsewhere. */
import type { TrafficDocument } from '../api/contract.js';
import { formatDuration } from '../shared/duration.js';
import type { StoredEvent } from '../store/index.js';

interface StepLine {
  kind: string;
  status: string;
  detail: Record<string, unknown>;
  startedAt: number;
}

const MARK: Record<string, string> = { succeeded: '✔', passed: '✔', pass: '✔', skipped: '–', failed: '✘', fail: '✘', error: '✘', rolled_back: '↩', running: '…' };

/** A JSON value as text in a line (strings bare, the rest as JSON). */
const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

const showWeights = (weights: unknown): string =>
  Object.entries((weights as Record<string, number> | undefined) ?? {})
    .map(([v, w]) => `${v} ${w}%`)
    .join(', ');

function stepLabel(step: { kind: string; detail: Record<string, unknown> }): string {
  const d = step.detail;
  if ((step.kind === 'weight' || step.kind === 'promote') && d.weights) return `${step.kind} ${showWeights(d.weights)}`;
  if (step.kind === 'pause') return typeof d.durationMs === 'number' ? `pause ${formatDuration(d.durationMs)}` : 'pause until promoted';
  return step.kind;
}

const pct = (n: number) => `${(n * 100).toFixed(n < 0.1 ? 2 : 1)}%`;
const ms = (n: number | null) => (n === null ? '–' : formatDuration(n));

/** One line for an event, as scripts and logs read it. */
export function eventLine(event: StoredEvent): string | undefined {
  const d = event.data;
  const time = event.at.slice(11, 19);
  switch (event.type) {
    case 'release.created':
      return `${time} release ${event.releaseId ?? ''} of ${text(d.version)} (${text(d.strategy)}), stable ${text(d.previousVersion) || 'none'}`;
    case 'step.started':
      return `${time} … ${stepLabel({ kind: text(d.kind), detail: (d.detail as Record<string, unknown> | undefined) ?? {} })}`;
    case 'step.finished':
      return `${time} ${MARK[text(d.status)] ?? '·'} ${stepLabel({ kind: text(d.kind), detail: (d.detail as Record<string, unknown> | undefined) ?? {} })} ${text(d.status)}${typeof (d.detail as Record<string, unknown> | undefined)?.reason === 'string' ? `: ${text((d.detail as Record<string, unknown>).reason)}` : ''}`;
    case 'release.weights':
      return `${time} weights ${showWeights(d.weights)}`;
    case 'analysis.measurement':
      return `${time}   ${text(d.metric)}: ${text(d.verdict)} — ${text(d.reason)}`;
    case 'release.decision':
    case 'release.steered':
      return `${time} ${event.type.slice(8)}: ${typeof d.reason === 'string' ? d.reason : JSON.stringify(d)}`;
    case 'release.status':
      return `${time} status ${text(d.status)}${typeof d.reason === 'string' ? ` (${d.reason})` : ''}`;
    case 'release.finished':
      return `${time} release ${text(d.status)}${typeof d.reason === 'string' ? `: ${d.reason}` : ''}`;
    default:
      return undefined;
  }
}

/** The live view's state, fed by events and traffic polls, drawn as a block of lines. */
export class LiveReleaseView {
  readonly #steps: StepLine[] = [];
  #header = '';
  #status = 'pending';
  #reason = '';
  #weights: Record<string, number> = {};
  #traffic: TrafficDocument | undefined;
  readonly #measurements = new Map<string, string>();

  apply(event: StoredEvent): void {
    const d = event.data;
    if (event.type === 'release.created') this.#header = `release ${event.releaseId ?? ''}: ${text(d.version)} (${text(d.strategy)}), stable ${text(d.previousVersion) || 'none'}`;
    if (event.type === 'step.started') this.#steps.push({ kind: text(d.kind), status: 'running', detail: (d.detail as Record<string, unknown> | undefined) ?? {}, startedAt: Date.parse(event.at) });
    if (event.type === 'step.finished') {
      const step = [...this.#steps].reverse().find((s) => s.kind === d.kind && s.status === 'running');
      if (step) {
        step.status = text(d.status);
        step.detail = { ...step.detail, ...((d.detail as Record<string, unknown> | undefined) ?? {}) };
      }
    }
    if (event.type === 'release.weights') this.#weights = (d.weights as Record<string, number> | undefined) ?? {};
    if (event.type === 'analysis.measurement') this.#measurements.set(text(d.metric), `${MARK[text(d.verdict)] ?? '?'} ${text(d.metric)}: ${text(d.reason)}`);
    if (event.type === 'release.status' || event.type === 'release.finished') {
      this.#status = text(d.status);
      if (typeof d.reason === 'string') this.#reason = d.reason;
    }
  }

  setTraffic(traffic: TrafficDocument): void {
    this.#traffic = traffic;
  }

  render(now = Date.now()): string[] {
    const lines = [this.#header || 'starting release …'];
    for (const step of this.#steps) {
      let line = `  ${MARK[step.status] ?? '·'} ${stepLabel(step)}`;
      const duration = step.detail.durationMs;
      if (step.kind === 'pause' && step.status === 'running' && typeof duration === 'number' && duration > 0) {
        const done = Math.min(1, (now - step.startedAt) / duration);
        const width = 24;
        line += ` [${'█'.repeat(Math.round(done * width)).padEnd(width, '░')}] ${formatDuration(Math.max(0, duration - (now - step.startedAt)))} left`;
      }
      lines.push(line);
    }
    const weights = Object.entries(this.#weights);
    if (weights.length > 0) lines.push(`  traffic  ${weights.map(([v, w]) => `${v} ${w}%`).join('  ')}`);
    for (const v of this.#traffic?.versions ?? []) {
      lines.push(`  ${v.version.padEnd(12)} ${text(v.weight).padStart(3)}%  ${v.rps.toFixed(1).padStart(7)} req/s  errors ${pct(v.errorRate).padStart(6)}  p95 ${ms(v.p95)}`);
    }
    for (const measurement of this.#measurements.values()) lines.push(`  ${measurement}`);
    lines.push(`  status   ${this.#status}${this.#reason ? ` — ${this.#reason}` : ''}`);
    return lines;
  }
}
