/** Parts of a release shown in several views: its steps with progress, and its analysis with evidence over time. */
import type { AnalysisDocument, ReleaseStepDocument } from '../../src/api/contract.js';
import { Chart } from './lazy-chart.js';
import { EvidenceCharts, evidenceSummary, looksOf } from './evidence.js';

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleTimeString() : '–');

function stepLabel(step: ReleaseStepDocument): string {
  const d = step.detail;
  const extra = ['weight', 'duration', 'name', 'check', 'version'].map((k) => (d[k] === undefined ? '' : `${k} ${typeof d[k] === 'object' ? JSON.stringify(d[k]) : String(d[k] as string | number | boolean)}`)).filter(Boolean);
  return `${step.kind}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** The steps of a release as an ordered list with a progress bar. */
export function StepList(props: { steps: ReleaseStepDocument[] }) {
  const done = props.steps.filter((s) => s.status !== 'running' && s.status !== 'pending').length;
  return (
    <div>
      <progress max={Math.max(1, props.steps.length)} value={done} aria-label={`${done} of ${props.steps.length} steps done`} />
      <ol class="steps">
        {props.steps.map((step, i) => (
          <li key={i} class={`step ${step.status}`}>
            <span class={`badge ${step.status}`}>{step.status}</span> {stepLabel(step)} <small>{time(step.startedAt)}</small>
            {typeof step.detail.reason === 'string' && <div class="reason">{step.detail.reason}</div>}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Analysis measurements: the latest verdict per metric with its reason, and each metric's values (or evidence) over time. */
export function AnalysisPanel(props: { analysis: AnalysisDocument[] }) {
  if (props.analysis.length === 0) return <p>No analysis measurements yet.</p>;
  const metrics = [...new Set(props.analysis.map((a) => a.metric))];
  return (
    <div>
      <h3>Analysis</h3>
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Latest measurement per metric</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Value</th>
              <th scope="col">Threshold</th>
              <th scope="col">Verdict</th>
              <th scope="col">Measurements</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((metric) => {
              const own = props.analysis.filter((a) => a.metric === metric);
              const last = own[own.length - 1];
              const reason = last && 'reason' in last && typeof last.reason === 'string' ? last.reason : null;
              return (
                <tr key={metric}>
                  <th scope="row">{metric}</th>
                  <td>{last?.value ?? '–'}</td>
                  <td>{last?.threshold ?? '–'}</td>
                  <td>
                    <span class={`badge ${last?.verdict ?? ''}`}>{last?.verdict}</span>
                    {reason && <div class="reason">{reason}</div>}
                    {last?.evidence && <div class="reason">{evidenceSummary(last.evidence)}</div>}
                  </td>
                  <td>{own.map((a) => a.verdict[0]).join('')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div class="charts">
        {metrics.map((metric) => {
          const own = props.analysis.filter((a) => a.metric === metric);
          const looks = looksOf(own);
          if (looks.length > 0) return <EvidenceCharts key={metric} metric={metric} looks={looks} />;
          return (
            <Chart
              key={metric}
              title={`${metric} over time, with its threshold`}
              lines={[{ label: metric, color: '#7c3aed' }, { label: 'threshold', color: '#9ca3af' }]}
              data={[own.map((a) => Date.parse(a.at) / 1000), own.map((a) => a.value), own.map((a) => a.threshold)]}
            />
          );
        })}
      </div>
    </div>
  );
}
