/** What `glidepath bench` shows: a progress bar on a terminal, the summary, the targets table, the comparison. */
import type { BenchDocument, ComparisonRow, TargetRow } from '../load/bench-report.js';
import type { LoadProgress } from '../load/load-run.js';
import { renderTable } from './output.js';

const BAR_WIDTH = 30;

/** One redrawn line of progress: `[#####-----]  50%  5.0s  12,345 requests  3 errors`. */
export function progressLine(progress: LoadProgress): string {
  const filled = Math.round(progress.done * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const percent = `${Math.floor(progress.done * 100)}%`.padStart(4);
  return `${bar} ${percent}  ${(progress.elapsedMs / 1_000).toFixed(1)}s  ${progress.requests.toLocaleString('en-US')} requests  ${progress.errors} errors`;
}

/** A progress bar redrawn in place on stderr; draws nothing when stderr is not a terminal. */
export function progressBar(stderr: { write(chunk: string): unknown; isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>) {
  const live = Boolean(stderr.isTTY) && env.TERM !== 'dumb';
  return {
    onProgress: live ? (progress: LoadProgress) => stderr.write(`\r\x1b[K${progressLine(progress)}`) : undefined,
    clear: () => {
      if (live) stderr.write('\r\x1b[K');
    },
  };
}

const ms = (value: number | null): string =>
  value === null ? '–' : value >= 1_000 ? `${+(value / 1_000).toFixed(2)}s` : value < 10 ? `${value.toFixed(2)}ms` : `${value.toFixed(1)}ms`;

const show = (value: number | null, unit: TargetRow['unit']): string =>
  value === null ? '–' : unit === 'ms' ? ms(value) : unit === 'ratio' ? `${+(value * 100).toPrecision(3)}%` : `${+value.toFixed(1)}`;

/** The run's figures and its targets as text. */
export function renderBench(doc: BenchDocument): string {
  const kinds = Object.entries(doc.errorsByKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const lines = [
    `${doc.requests.toLocaleString('en-US')} requests in ${doc.seconds.toFixed(1)}s (${doc.model === 'open' ? 'fixed arrival rate' : 'as fast as answers come'}): ${doc.rps.toFixed(1)} req/s`,
    `errors ${doc.errors} (${+(doc.errorRate * 100).toPrecision(3)}%)${kinds ? `: ${kinds}` : ''}`,
    `latency p50 ${ms(doc.latency.p50)}  p90 ${ms(doc.latency.p90)}  p95 ${ms(doc.latency.p95)}  p99 ${ms(doc.latency.p99)}  max ${ms(doc.latency.max)}`,
  ];
  if (doc.unsent > 0) lines.push(`${doc.unsent} requests the schedule called for were never sent: every connection was busy (add connections)`);
  const named = Object.entries(doc.byRequest);
  if (named.length > 1) {
    lines.push('', renderTable(['REQUEST', 'REQUESTS', 'ERRORS', 'P50', 'P95', 'P99'], named.map(([name, c]) => [name, String(c.requests), String(c.errors), ms(c.latency.p50), ms(c.latency.p95), ms(c.latency.p99)])));
  }
  if (doc.targets.length > 0) {
    lines.push(
      '',
      renderTable(
        ['TARGET', 'MUST BE', 'ACTUAL', 'VERDICT'],
        doc.targets.map((row) => [row.name, `${row.must === 'at most' ? '≤' : '≥'} ${show(row.target, row.unit)}`, show(row.actual, row.unit), row.pass ? '✔ pass' : '✘ miss']),
      ),
    );
    const missed = doc.targets.filter((row) => !row.pass).length;
    lines.push('', missed === 0 ? 'all targets met' : `${missed} of ${doc.targets.length} targets missed`);
  } else lines.push('', 'the plan sets no bench targets');
  return lines.join('\n');
}

/** The comparison with a baseline as text. */
export function renderComparison(rows: readonly ComparisonRow[], baselinePath: string): string {
  const unitOf = (name: string): TargetRow['unit'] => (name === 'rps' ? 'req/s' : name === 'errorRate' ? 'ratio' : 'ms');
  const change = (row: ComparisonRow) => (row.change === null ? '–' : `${row.change >= 0 ? '+' : ''}${(row.change * 100).toFixed(1)}%`);
  const regressions = rows.filter((row) => row.regression).length;
  return [
    `compared with ${baselinePath}:`,
    renderTable(['METRIC', 'BASELINE', 'NOW', 'CHANGE', ''], rows.map((row) => [row.name, show(row.baseline, unitOf(row.name)), show(row.actual, unitOf(row.name)), change(row), row.regression ? '✘ regression' : ''])),
    regressions === 0 ? 'no regressions' : `${regressions} regression${regressions === 1 ? '' : 's'}`,
  ].join('\n');
}
