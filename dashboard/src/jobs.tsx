/** The jobs of the Operations view: next run and last result per job, and each job's run history on demand. */
import { Fragment } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { JobRunRecord } from '../../src/api/contract.js';
import { get } from './api.js';

/** A job as `GET /v1/jobs` lists it. */
export interface Job { name: string; kind: string; schedule: string; nextRun: string | null; disabled: boolean; running: boolean; lastRun: { status: string; startedAt: string; durationMs: number | null } | null }

const HISTORY = 10;
const TAIL_LINES = 6;
const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '–');
const took = (ms: number | null) => (ms === null ? '–' : ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`);
const tail = (output: string) => output.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
const idOf = (name: string) => `job-history-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** One job's newest runs, fetched when it is opened and again whenever the list around it refreshes. */
function JobHistory(props: { name: string; id: string; version: number }) {
  const [runs, setRuns] = useState<JobRunRecord[] | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => get<{ runs: JobRunRecord[] }>(`/v1/jobs/${encodeURIComponent(props.name)}/history?limit=${HISTORY}`).then((h) => {
    setRuns(h.runs);
    setError('');
  }, (e: Error) => setError(e.message)), [props.name]);
  useEffect(() => void load(), [load, props.version]);
  if (error) return <p id={props.id} role="alert" class="error">{error}</p>;
  if (runs === null) return <p id={props.id}>Loading the history…</p>;
  if (runs.length === 0) return <p id={props.id}>{props.name} has not run yet.</p>;
  return (
    <table id={props.id} class="job-history" aria-label={`Runs of ${props.name}`}>
      <thead><tr><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Exit code</th><th scope="col">Output (tail)</th></tr></thead>
      <tbody>{runs.map((run) => (
        <tr key={run.id} data-run={run.id}>
          <td><span class={`badge ${run.status}`}>{run.status}</span> <small>{run.trigger}{run.attempts > 1 ? `, ${run.attempts} attempts` : ''}</small></td>
          <td>{when(run.startedAt)}</td>
          <td>{took(run.durationMs)}</td>
          <td>{run.exitCode ?? '–'}</td>
          <td>{run.output.trim() ? <pre class="output">{tail(run.output)}</pre> : <small>{run.detail}</small>}</td>
        </tr>))}
      </tbody>
    </table>
  );
}

/** The jobs table; each job's history opens and closes with its own button (a native button: Enter and Space work). */
export function JobsTable(props: { jobs: Job[]; admin: boolean; version: number; onToggle: (job: Job) => void }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const flip = (name: string) => setOpen((was) => {
    const next = new Set(was);
    if (!next.delete(name)) next.add(name);
    return next;
  });
  const columns = props.admin ? 6 : 5;
  return (
    <div class="table-wrap"><table>
      <thead><tr><th scope="col">Job</th><th scope="col">Schedule</th><th scope="col">Next run</th><th scope="col">Last result</th><th scope="col">History</th>{props.admin && <th scope="col">Action</th>}</tr></thead>
      <tbody>{props.jobs.map((j) => {
        const expanded = open.has(j.name);
        return (
          <Fragment key={j.name}>
            <tr data-job={j.name}>
              <th scope="row">{j.name}</th><td>{j.schedule}</td><td>{j.disabled ? 'disabled' : when(j.nextRun)}</td>
              <td>{j.lastRun ? <><span class={`badge ${j.lastRun.status}`}>{j.lastRun.status}</span> {when(j.lastRun.startedAt)} <small>{took(j.lastRun.durationMs)}</small></> : 'never ran'}{j.running && <> <span class="badge running">running</span></>}</td>
              <td><button aria-expanded={expanded} aria-controls={idOf(j.name)} onClick={() => flip(j.name)}>{expanded ? 'Hide' : 'Show'} runs of {j.name}</button></td>
              {props.admin && <td><button onClick={() => props.onToggle(j)}>{j.disabled ? 'Enable' : 'Disable'} {j.name}</button></td>}
            </tr>
            {expanded && <tr class="history-row"><td colSpan={columns}><JobHistory name={j.name} id={idOf(j.name)} version={props.version} /></td></tr>}
          </Fragment>
        );
      })}
      </tbody>
    </table></div>
  );
}
