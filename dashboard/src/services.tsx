/** Services: where traffic goes, live per-version charts, the active release's steps and analysis, and actions. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ReleaseDocument, StatusDocument, TrafficDocument } from '../../src/api/contract.js';
import { followEvents, get, type Session } from './api.js';
import { Actions } from './actions.js';
import type { Line } from './chart.js';
import { Chart } from './lazy-chart.js';
import { AnalysisPanel, StepList } from './release-parts.js';

const COLORS = ['#2563eb', '#d97706', '#059669', '#db2777'];
const KEEP_POINTS = 150;
const POLL_MS = 2_000;

/** The API calls the Services view starts with. */
export const SERVICES_CALLS = ['/v1/status', '/v1/traffic'] as const;

type Sample = { at: number; versions: TrafficDocument['versions'] };

function series(samples: Sample[], versions: string[], pick: (v: TrafficDocument['versions'][number]) => number | null): (number | null)[][] {
  return [samples.map((s) => s.at), ...versions.map((name) => samples.map((s) => {
    const found = s.versions.find((v) => v.version === name);
    return found ? pick(found) : null;
  }))];
}

function WeightBar(props: { status: StatusDocument }) {
  const { stable, canary } = props.status;
  if (!stable && !canary) return <p>Nothing is serving yet.</p>;
  const parts = [stable && { ...stable, role: 'stable' }, canary && { ...canary, role: 'canary' }].filter((p) => p !== null);
  return (
    <div class="weights" role="img" aria-label={parts.map((p) => `${p.role} ${p.version} ${p.weight}%`).join(', ')}>
      {parts.map((p) => (
        <span key={p.role} class={`weight ${p.role}`} style={{ flexGrow: Math.max(p.weight, 0.001) }} data-version={p.version} data-weight={p.weight}>
          {p.role} {p.version} · {p.weight}%
        </span>
      ))}
    </div>
  );
}

/** The Services view of the daemon's one service. */
export function ServicesView(props: { session: Session }) {
  const [status, setStatus] = useState<StatusDocument | null>(null);
  const [release, setRelease] = useState<ReleaseDocument | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState('');
  const releaseId = useRef<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [now, traffic] = await Promise.all([get<StatusDocument>(SERVICES_CALLS[0]), get<TrafficDocument>(SERVICES_CALLS[1])]);
      setStatus(now);
      setSamples((old) => [...old, { at: Date.now() / 1000, versions: traffic.versions }].slice(-KEEP_POINTS));
      // The active release, or else the last one, so its steps and verdicts stay in view after it ends.
      const id = now.release?.id ?? releaseId.current ?? (await get<{ releases: { id: string }[] }>('/v1/releases?limit=1')).releases[0]?.id ?? null;
      releaseId.current = id;
      setRelease(id ? await get<ReleaseDocument>(`/v1/releases/${encodeURIComponent(id)}`) : null);
      setError('');
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }, []);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    const stop = followEvents((event) => {
      if (event.releaseId && event.type === 'release.created') releaseId.current = event.releaseId;
      void refresh();
    }, setLive);
    return () => {
      clearInterval(timer);
      stop();
    };
  }, [refresh]);

  const versions = [...new Set(samples.flatMap((s) => s.versions.map((v) => v.version)))].slice(-4);
  const lines: Line[] = versions.map((version, i) => ({ label: version, color: COLORS[i % COLORS.length] ?? '#888' }));
  return (
    <section aria-labelledby="services-title">
      <h1 id="services-title">
        {status?.service ?? 'Service'} <span class={`live ${live ? 'on' : ''}`}>{live ? 'live' : 'reconnecting'}</span>
      </h1>
      {error && <p role="alert" class="error">{error}</p>}
      {status && <WeightBar status={status} />}
      {status?.release && (
        <p>
          Release <a href={`#/history/${status.release.id}`}>{status.release.id}</a> is <strong data-testid="release-status">{status.release.status}</strong>
          {status.release.step !== null && <> at step {status.release.step}</>}
        </p>
      )}
      {props.session.role === 'admin' && status && <Actions status={status} onDone={() => void refresh()} />}
      <div class="charts">
        <Chart title="Requests per second" lines={lines} data={series(samples, versions, (v) => v.rps)} />
        <Chart title="Error rate" unit="%" lines={lines} data={series(samples, versions, (v) => Math.round(v.errorRate * 10_000) / 100)} />
        <Chart title="Latency p95" unit=" ms" lines={lines} data={series(samples, versions, (v) => v.p95)} />
      </div>
      {release && (
        <>
          <h2>
            {release.status === 'succeeded' || release.status === 'rolled_back' || release.status === 'failed' || release.status === 'aborted' ? 'Last release' : 'Active release'}: {release.version}{' '}
            <span class={`badge ${release.status}`}>{release.status}</span>
          </h2>
          {release.reason && <p>Reason: {release.reason}</p>}
          <StepList steps={release.steps} />
          <AnalysisPanel analysis={release.analysis} />
        </>
      )}
    </section>
  );
}
