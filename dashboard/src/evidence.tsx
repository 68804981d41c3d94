/**
 * The course of a `compare:` metric's sequential test: its e-value on a log scale against the 1/alpha it must reach,
 * and the canary/stable ratio with its confidence bounds against the tolerated ratio. Each measurement is one look.
 */
import type { AnalysisDocument, SequentialEvidence } from '../../src/api/contract.js';
import { Chart } from './lazy-chart.js';

type Look = AnalysisDocument & { evidence: SequentialEvidence };

const short = (value: number | null) => (value === null ? '–' : value >= 1e5 || (value > 0 && value < 1e-3) ? value.toExponential(1) : String(Number(value.toPrecision(3))));

/** The measurements of one metric that carry evidence, oldest first. */
export function looksOf(own: AnalysisDocument[]): Look[] {
  return own.filter((a): a is Look => a.evidence !== undefined);
}

/** One line on where the test stands now, for the table. */
export function evidenceSummary(e: SequentialEvidence): string {
  const evidence = e.eValue === null ? '' : `e-value ${short(e.eValue)} of ${short(e.threshold)} needed · `;
  return `${evidence}ratio ${short(e.ratio)} [${short(e.lower)}, ${e.upper === null ? '∞' : short(e.upper)}], tolerated ${short(e.tolerated)} · ${e.canary.requests} vs ${e.stable.requests} requests · test ${e.sequential}`;
}

/** The evidence and effect charts of one compare metric. */
export function EvidenceCharts(props: { metric: string; looks: Look[] }) {
  const { metric, looks } = props;
  const times = looks.map((a) => Date.parse(a.at) / 1000);
  const last = looks[looks.length - 1]?.evidence;
  const charts = [];
  if (last?.eValue !== null) {
    charts.push(
      <Chart
        key="evidence"
        testId={`evidence-${metric}`}
        log
        title={`${metric}: evidence the canary is worse (log scale); fails at 1/alpha = ${short(last?.threshold ?? null)}`}
        lines={[
          { label: 'e-value (worse)', color: '#dc2626' },
          { label: 'e-value (within tolerance)', color: '#059669' },
          { label: '1/alpha', color: '#9ca3af', dash: [6, 4] },
        ]}
        data={[times, looks.map((a) => a.evidence.eValue), looks.map((a) => a.evidence.equivalenceEValue), looks.map((a) => a.evidence.threshold)]}
      />,
    );
  }
  charts.push(
    <Chart
      key="effect"
      testId={`effect-${metric}`}
      log
      title={`${metric}: canary/stable ratio with its confidence bounds (log scale); tolerated up to ${short(last?.tolerated ?? null)}`}
      lines={[
        { label: 'ratio', color: '#7c3aed' },
        { label: 'lower bound', color: '#2563eb', dash: [3, 3] },
        { label: 'upper bound', color: '#d97706', dash: [3, 3] },
        { label: 'tolerated', color: '#9ca3af', dash: [6, 4] },
      ]}
      data={[times, looks.map((a) => a.evidence.ratio), looks.map((a) => a.evidence.lower), looks.map((a) => a.evidence.upper), looks.map((a) => a.evidence.tolerated)]}
    />,
  );
  return <>{charts}</>;
}
