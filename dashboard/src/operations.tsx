/** Operations: monitors with uptime, backups against RPO/RTO targets, jobs, and alerts with silences. */
import { useCallback, useLayoutEffect, useState } from 'preact/hooks';
import { get, post, type Session } from './api.js';
import { JobsTable, type Job } from './jobs.js';

interface Monitor { name: string; status: string; since: string | null; detail: string; uptime: Record<string, number | null> }
interface Backup { source: string; latest: { startedAt: string; sizeBytes?: number; verifyStatus?: string | null } | null; rpoMs: number | null; rtoMs: number | null; rpoTargetMs: number | null; rtoTargetMs: number | null; rpoMet: boolean | null; rtoMet: boolean | null; backups: number }
interface Alert { name: string; severity: string; state: string; detail?: string; silencedBy: string[] }
interface Silence { id: string; matchers: { name: string; op: string; value: string }[]; author: string; comment: string; endsAt: string }
interface AlertChange { at: string; rule: string; from: string; to: string }

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '–');
const span = (ms: number | null) => (ms === null ? '–' : ms < 120_000 ? `${Math.round(ms / 1000)}s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)}m` : `${Math.round(ms / 3_600_000)}h`);
const pct = (share: number | null | undefined) => (share === null || share === undefined ? '–' : `${(share * 100).toFixed(2)}%`);
const met = (ok: boolean | null) => (ok === null ? '' : ok ? ' ✓ within target' : ' ✗ over target');

/** The API calls of the Operations view, made together on each refresh. */
export const OPERATIONS_CALLS = ['/v1/monitors', '/v1/backups', '/v1/jobs', '/v1/alerts', '/v1/silences', '/v1/alerts/history?limit=20'] as const;

async function optional<T>(path: string): Promise<T | null> {
  try {
    return await get<T>(path);
  } catch {
    return null;
  }
}

/**
 * A monitor's uptime per window as one element: a bar painted by one CSS gradient (a cell per window, up in green,
 * down in red, grey without beats) above one line of text that says the same, so 200 monitors are 200 elements.
 */
function UptimeBar(props: { uptime: Record<string, number | null> }) {
  const windows = Object.entries(props.uptime);
  const cell = 100 / Math.max(1, windows.length);
  const stops = windows.flatMap(([, share], i) => {
    const start = i * cell;
    const end = start + cell - (i < windows.length - 1 ? 1.5 : 0);
    if (share === null) return [`var(--line) ${start}% ${end}%`, `transparent ${end}% ${start + cell}%`];
    const up = start + (end - start) * share;
    return [`var(--ok) ${start}% ${up}%`, `var(--bad) ${up}% ${end}%`, `transparent ${end}% ${start + cell}%`];
  });
  return (
    <>
      <span class="uptime" aria-hidden="true" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <small class="uptime-text">uptime {windows.map(([window, share]) => `${window} ${pct(share)}`).join(' · ')}</small>
    </>
  );
}

function SilenceForm(props: { onDone: (message: string) => void; who: string }) {
  const [matchers, setMatchers] = useState('');
  const [duration, setDuration] = useState('1h');
  const [comment, setComment] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const silence = await post<Silence>('/v1/silences', { matchers: matchers.split(',').map((m) => m.trim()).filter(Boolean), duration, comment, author: props.who });
      setComment('');
      props.onDone(`silence ${silence.id} until ${when(silence.endsAt)}`);
    } catch (failure) {
      props.onDone(`refused: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  };
  return (
    <form class="silence-form" aria-label="New silence" onSubmit={(e) => void submit(e)}>
      <label>Matchers <input name="matchers" value={matchers} placeholder="alertname=api-down" onInput={(e) => setMatchers(e.currentTarget.value)} required /></label>
      <label>Duration <input name="duration" value={duration} onInput={(e) => setDuration(e.currentTarget.value)} required /></label>
      <label>Comment <input name="comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} required /></label>
      <button type="submit">Silence</button>
    </form>
  );
}

/** The Operations view. */
export function OperationsView(props: { session: Session }) {
  const [monitors, setMonitors] = useState<Monitor[] | null>(null);
  const [backups, setBackups] = useState<Backup[] | null>(null);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [silences, setSilences] = useState<Silence[]>([]);
  const [changes, setChanges] = useState<AlertChange[]>([]);
  const [message, setMessage] = useState('');
  // Counts the refreshes, so an open job history refreshes with the list.
  const [loads, setLoads] = useState(0);
  const admin = props.session.role === 'admin';

  const load = useCallback(async () => {
    const [monitorsAt, backupsAt, jobsAt, alertsAt, silencesAt, historyAt] = OPERATIONS_CALLS;
    const [m, b, j, a, s, h] = await Promise.all([
      optional<{ monitors: Monitor[] }>(monitorsAt),
      optional<{ sources: Backup[] }>(backupsAt),
      optional<{ jobs: Job[] }>(jobsAt),
      optional<{ alerts: Alert[] }>(alertsAt),
      optional<{ silences: Silence[] }>(silencesAt),
      optional<{ history: AlertChange[] }>(historyAt),
    ]);
    setMonitors(m?.monitors ?? null);
    setBackups(b?.sources ?? null);
    setJobs(j?.jobs ?? null);
    setAlerts(a?.alerts ?? null);
    setSilences(s?.silences ?? []);
    setChanges(h?.history ?? []);
    setLoads((n) => n + 1);
  }, []);
  // A layout effect: the first load starts (or takes the answers asked for early) before the frame is painted.
  useLayoutEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => clearInterval(timer);
  }, [load]);
  const done = (text: string) => {
    setMessage(text);
    void load();
  };
  const toggleJob = (job: Job) => void post(`/v1/jobs/${encodeURIComponent(job.name)}/${job.disabled ? 'enable' : 'disable'}`, { by: 'dashboard' }).then(() => done(`${job.name} ${job.disabled ? 'enabled' : 'disabled'}`), (e: Error) => done(e.message));

  return (
    <section aria-labelledby="ops-title">
      <h1 id="ops-title">Operations</h1>
      <p role="status">{message}</p>
      <h2>Monitors</h2>
      {monitors === null ? <p>No monitors run in this daemon.</p> : (
        <ul class="cards" aria-label="Monitors">
          {monitors.map((m) => (
            <li key={m.name} class="card">
              <span class={`badge ${m.status}`}>{m.status}</span> <strong>{m.name}</strong> <small>{`since ${when(m.since)}`}</small>
              <UptimeBar uptime={m.uptime} />
              {m.detail && <small>{m.detail}</small>}
            </li>
          ))}
        </ul>
      )}
      <h2>Backups</h2>
      {backups === null || backups.length === 0 ? <p>No backups configured.</p> : (
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">Source</th><th scope="col">Last</th><th scope="col">Size</th><th scope="col">Verified</th><th scope="col">RPO</th><th scope="col">RTO</th></tr></thead>
          <tbody>{backups.map((b) => (
            <tr key={b.source}>
              <th scope="row">{b.source}</th><td>{when(b.latest?.startedAt)}</td><td>{b.latest?.sizeBytes === undefined ? '–' : `${Math.round(b.latest.sizeBytes / 1024)} KiB`}</td>
              <td>{b.latest?.verifyStatus ?? 'not yet'}</td>
              <td>{span(b.rpoMs)} / {span(b.rpoTargetMs)}{met(b.rpoMet)}</td><td>{span(b.rtoMs)} / {span(b.rtoTargetMs)}{met(b.rtoMet)}</td>
            </tr>))}
          </tbody>
        </table></div>
      )}
      <h2>Jobs</h2>
      {jobs === null || jobs.length === 0 ? <p>No scheduled jobs.</p> : (
        <JobsTable jobs={jobs} admin={admin} version={loads} onToggle={toggleJob} />
      )}
      <h2>Alerts</h2>
      {alerts === null || alerts.length === 0 ? <p>No alert rules.</p> : (
        <ul class="cards" aria-label="Alert rules">
          {alerts.map((a) => (
            <li key={a.name} class="card" data-alert={a.name}>
              <span class={`badge ${a.state}`}>{a.state}</span> <strong>{a.name}</strong> <small>{a.severity}</small>
              {a.silencedBy.length > 0 && <span class="badge silenced">silenced</span>}
              <small>{a.detail}</small>
            </li>
          ))}
        </ul>
      )}
      <h3>Silences</h3>
      {silences.length === 0 ? <p>No silences in effect.</p> : (
        <ul>{silences.map((s) => <li key={s.id}>{s.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(', ')} until {when(s.endsAt)} — {s.author}: {s.comment}{admin && <> <button onClick={() => void post(`/v1/silences/${encodeURIComponent(s.id)}/end`, { by: 'dashboard' }).then(() => done(`silence ${s.id} ended`), (e: Error) => done(e.message))}>End</button></>}</li>)}</ul>
      )}
      {admin && <SilenceForm who={props.session.who} onDone={done} />}
      <h3>Alert history</h3>
      {changes.length === 0 ? <p>No changes yet.</p> : <ul>{changes.map((c, i) => <li key={i}>{when(c.at)} {c.rule}: {c.from} → {c.to}</li>)}</ul>}
    </section>
  );
}
