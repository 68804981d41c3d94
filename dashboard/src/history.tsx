/** History: past releases with outcome, duration and reason (filter, pages), and one release's timeline and launch record. */
import { useEffect, useState } from 'preact/hooks';
import type { ReleaseDocument } from '../../src/api/contract.js';
import { get, getText, type Session } from './api.js';
import { Markdown } from './markdown.js';
import { AnalysisPanel, StepList } from './release-parts.js';

interface ReleaseRow {
  id: string;
  version: string;
  previousVersion: string | null;
  status: string;
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const PAGE = 25;
// The most the API hands out at once; the filter and the pages work over these.
const LOAD = 500;

function duration(row: ReleaseRow): string {
  if (!row.finishedAt) return 'running';
  const s = Math.round((Date.parse(row.finishedAt) - Date.parse(row.startedAt)) / 1000);
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

function ReleaseDetail(props: { id: string }) {
  const [release, setRelease] = useState<ReleaseDocument | null>(null);
  const [record, setRecord] = useState<string | null>(null);
  const [error, setError] = useState('');
  const base = `/v1/releases/${encodeURIComponent(props.id)}`;
  useEffect(() => {
    get<ReleaseDocument>(base).then(setRelease, (e: Error) => setError(e.message));
  }, [base]);
  return (
    <section aria-labelledby="release-title">
      <p>
        <a href="#/history">← History</a>
      </p>
      <h1 id="release-title">Release {props.id}</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {release && (
        <>
          <p>
            {release.previousVersion ?? '–'} → <strong>{release.version}</strong> ({release.strategy}) <span class={`badge ${release.status}`}>{release.status}</span>
            {release.reason && <> — {release.reason}</>}
          </p>
          <h2>Timeline</h2>
          <StepList steps={release.steps} />
          <AnalysisPanel analysis={release.analysis} />
          <h2>Launch record</h2>
          <p class="row">
            <button onClick={() => void getText(`${base}/record`).then(setRecord, (e: Error) => setError(e.message))}>Show launch record</button>
            <a class="button" href={`${base}/record`} download={`launch-record-${props.id}.md`}>
              Download Markdown
            </a>
          </p>
          {record !== null && <article aria-label="Launch record">{<Markdown text={record} />}</article>}
        </>
      )}
    </section>
  );
}

/** The History view: the list, or one release when `id` is given. */
export function HistoryView(props: { session: Session; id?: string }) {
  const [rows, setRows] = useState<ReleaseRow[]>([]);
  const [filter, setFilter] = useState('');
  const [outcome, setOutcome] = useState('');
  const [page, setPage] = useState(0);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!props.id) get<{ releases: ReleaseRow[] }>(`/v1/releases?limit=${LOAD}`).then((d) => setRows(d.releases), (e: Error) => setError(e.message));
  }, [props.id]);
  if (props.id) return <ReleaseDetail id={props.id} />;
  const shown = rows.filter((r) => (!outcome || r.status === outcome) && (!filter || `${r.id} ${r.version} ${r.reason ?? ''}`.toLowerCase().includes(filter.toLowerCase())));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const current = Math.min(page, pages - 1);
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      {error && <p role="alert" class="error">{error}</p>}
      <form class="row" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search <input type="search" value={filter} onInput={(e) => (setFilter(e.currentTarget.value), setPage(0))} />
        </label>
        <label>
          Outcome{' '}
          <select value={outcome} onChange={(e) => (setOutcome(e.currentTarget.value), setPage(0))}>
            <option value="">any</option>
            {['succeeded', 'rolled_back', 'failed', 'aborted', 'rollout', 'paused'].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
      </form>
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Releases, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Version</th>
              <th scope="col">Outcome</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(current * PAGE, (current + 1) * PAGE).map((r) => (
              <tr key={r.id}>
                <td><a href={`#/history/${r.id}`}>{r.id}</a></td>
                <td>{r.previousVersion ?? '–'} → {r.version}</td>
                <td><span class={`badge ${r.status}`}>{r.status}</span></td>
                <td>{new Date(r.startedAt).toLocaleString()}</td>
                <td>{duration(r)}</td>
                <td>{r.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="row" aria-label="Pages">
        <button disabled={current === 0} onClick={() => setPage(current - 1)}>Newer</button>
        <span>Page {current + 1} of {pages} ({shown.length} releases)</span>
        <button disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>Older</button>
      </nav>
    </section>
  );
}
