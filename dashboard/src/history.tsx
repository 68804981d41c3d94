/** History: past releases with outcome, duration and reason (filtered and paged by the API), and one release's timeline and launch record. */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import type { ReleaseDocument, ReleasePage } from '../../src/api/contract.js';
import { followEvents, get, getText, type Session } from './api.js';
import { Markdown } from './markdown.js';
import { AnalysisPanel, StepList } from './release-parts.js';

const PAGE = 25;
// What the outcome filter offers: each state the API knows, and its two groups.
const STATUSES = ['finished', 'active', 'succeeded', 'rolled_back', 'failed', 'aborted', 'pending', 'preflight', 'backup', 'migrate', 'rollout', 'verify', 'paused'];

function duration(ms: number | null): string {
  if (ms === null) return 'running';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

/** The query of one page: the filters, and the cursor of the page (none for the newest). */
function pageQuery(status: string, version: string, cursor: string | undefined): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (status) query.set('status', status);
  if (version) query.set('version', version);
  if (cursor) query.set('cursor', cursor);
  return `/v1/releases?${query.toString()}`;
}

/** The API calls the History view starts with: the newest page unfiltered, or the one release shown. */
export function historyCalls(id: string | undefined): string[] {
  return [id ? `/v1/releases/${encodeURIComponent(id)}` : pageQuery('', '', undefined)];
}

function ReleaseDetail(props: { id: string }) {
  const [release, setRelease] = useState<ReleaseDocument | null>(null);
  const [record, setRecord] = useState<string | null>(null);
  const [error, setError] = useState('');
  const base = `/v1/releases/${encodeURIComponent(props.id)}`;
  useEffect(() => {
    const load = () => get<ReleaseDocument>(base).then(setRelease, (e: Error) => setError(e.message));
    void load();
    // While it runs, each of its events (a step, a measurement) brings the new state: the charts follow live.
    return followEvents((event) => {
      if (event.releaseId === props.id) void load();
    }, () => undefined);
  }, [base, props.id]);
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
  const [status, setStatus] = useState('');
  const [version, setVersion] = useState('');
  const [typed, setTyped] = useState('');
  // The cursors of the pages walked through, newest first: going Newer pops one, Older pushes one.
  const [cursors, setCursors] = useState<string[]>([]);
  const [loaded, setLoaded] = useState<{ query: string; page: ReleasePage } | null>(null);
  const [error, setError] = useState('');
  const query = pageQuery(status, version, cursors.at(-1));
  // A layout effect: the page is asked for (or taken from the answer asked for early) before the frame is painted.
  useLayoutEffect(() => {
    if (props.id) return;
    let current = true;
    get<ReleasePage>(query).then(
      (page) => current && (setLoaded({ query, page }), setError('')),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [props.id, query]);
  if (props.id) return <ReleaseDetail id={props.id} />;
  const ready = loaded?.query === query;
  const rows = loaded?.page.releases ?? [];
  const next = ready ? loaded.page.nextCursor : null;
  const filter = (nextStatus: string, nextVersion: string) => (setStatus(nextStatus), setVersion(nextVersion), setCursors([]));
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      {error && <p role="alert" class="error">{error}</p>}
      <form class="row" aria-label="Filter releases" onSubmit={(e) => (e.preventDefault(), filter(status, typed.trim()))}>
        <label>
          Version <input type="search" value={typed} maxLength={128} placeholder="exact, e.g. 1.4.2" onInput={(e) => setTyped(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
        <label>
          Outcome{' '}
          <select value={status} onChange={(e) => filter(e.currentTarget.value, typed.trim())}>
            <option value="">any</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
      </form>
      <div class="table-wrap" aria-busy={!ready}>
        <table>
          <caption class="sr-only">Releases, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Version</th>
              <th scope="col">Outcome</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Started by</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td><a href={`#/history/${r.id}`}>{r.id}</a></td>
                <td>{r.previousVersion ?? '–'} → {r.version}</td>
                <td><span class={`badge ${r.outcome ?? r.status}`}>{r.outcome ?? r.status}</span></td>
                <td>{new Date(r.startedAt).toLocaleString()}</td>
                <td>{duration(r.durationMs)}</td>
                <td>{r.startedBy ?? ''}</td>
                <td>{r.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="row" aria-label="Pages">
        <button disabled={!ready || cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
        <span>Page {cursors.length + 1} ({ready ? `${rows.length} releases` : 'loading'})</span>
        <button disabled={!next} onClick={() => next && setCursors([...cursors, next])}>Older</button>
      </nav>
    </section>
  );
}
