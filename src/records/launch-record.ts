/**
 * The launch record of a release, after the template teams fill in by hand: basic facts, what
 * changed, every gate's result with its evidence, the outcome, problems found and follow-ups.
 */
import type { SequentialEvidence } from '../analysis/measurement.js';
import { readReleaseResult, type ReleaseResult } from '../engine/release-result.js';
import type { Store, StoredEvent } from '../store/index.js';
import { changesBetween, type Changes } from './changes.js';

/** One gate of a release with its evidence. */
export interface GateRecord {
  gate: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  evidence: Record<string, unknown>;
}

/** One analysis metric's measurements summed up for the record. */
export interface MetricRecord {
  metric: string;
  measurements: number;
  failed: number;
  lastVerdict: string;
  lastReason: string;
  /** A `compare:` metric's evidence at its last look. */
  finalEvidence?: SequentialEvidence;
}

/** The launch record of a release. */
export interface LaunchRecord {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  strategy: string;
  status: string;
  reason: string | null;
  owner: string | null;
  participants: string[];
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  changes: Changes;
  gates: GateRecord[];
  analysis: MetricRecord[];
  /** Requests users sent during the release and how many failed (5xx or connection failures), by version. */
  traffic: { requests: number; failed: number; byVersion: Record<string, { requests: number; failed: number }> } | null;
  problems: string[];
  followUps: string[];
  steering: { action: string; by: string; at: string }[];
  /** The runners that held the release's lease (daemons, CI jobs): who started it, who took it over, when. */
  runners: { holder: string; role: string; from: string | null; at: string }[];
  /** The plan the release ran, as written (variables unexpanded), and its sha256; null when not recorded. */
  plan: { file: string; sha256: string; text: string } | null;
}

type Totals = Record<string, { requests: number; failed: number }>;

function trafficDuring(events: readonly StoredEvent[]): LaunchRecord['traffic'] {
  const totals = (phase: string) => events.find((e) => e.type === 'release.traffic' && e.data.phase === phase)?.data.totals as Totals | undefined;
  const start = totals('start');
  const end = totals('end');
  if (!start || !end) return null;
  const byVersion: Totals = {};
  for (const [version, after] of Object.entries(end)) {
    const before = start[version] ?? { requests: 0, failed: 0 };
    byVersion[version] = { requests: after.requests - before.requests, failed: after.failed - before.failed };
  }
  const sum = (key: 'requests' | 'failed') => Object.values(byVersion).reduce((total, v) => total + v[key], 0);
  return { requests: sum('requests'), failed: sum('failed'), byVersion };
}

function analysisSummary(result: ReleaseResult): MetricRecord[] {
  const byMetric = new Map<string, MetricRecord>();
  for (const m of result.analysis) {
    const entry = byMetric.get(m.metric) ?? { metric: m.metric, measurements: 0, failed: 0, lastVerdict: '', lastReason: '' };
    entry.measurements++;
    if (m.verdict === 'fail') entry.failed++;
    entry.lastVerdict = m.verdict;
    entry.lastReason = m.reason;
    if (m.evidence) entry.finalEvidence = m.evidence;
    byMetric.set(m.metric, entry);
  }
  return [...byMetric.values()];
}

function problemsOf(result: ReleaseResult, traffic: LaunchRecord['traffic']): string[] {
  const problems = result.steps
    .filter((step) => step.status === 'failed')
    .map((step) => `${step.kind} failed${typeof step.detail.reason === 'string' ? `: ${step.detail.reason}` : typeof step.detail.detail === 'string' ? `: ${step.detail.detail}` : ''}`);
  if (result.status !== 'succeeded' && result.reason && !problems.some((p) => p.includes(result.reason ?? ''))) problems.push(result.reason);
  if (traffic && traffic.failed > 0) problems.push(`${traffic.failed} of ${traffic.requests} requests failed for users during the release`);
  return problems;
}

/**
 * The migrations of a release that changed the database: those applied, and a non-transactional one that failed
 * part-way (its earlier statements stay). A migrate step that applied nothing changed nothing.
 */
function migrationsThatChanged(result: ReleaseResult): string[] {
  const items = result.steps.filter((step) => step.kind === 'migrate').flatMap((step) => (Array.isArray(step.detail.applied) ? (step.detail.applied as unknown[]) : []));
  return items.flatMap((raw) => {
    const item = raw as { file?: unknown; name?: unknown; status?: unknown; execution?: unknown };
    const name = typeof item.file === 'string' ? item.file : typeof item.name === 'string' ? item.name : 'a migration';
    if (item.status === 'applied') return [name];
    if (item.status === 'failed' && item.execution === 'non-transactional') return [`${name} in part`];
    return [];
  });
}

function followUpsOf(result: ReleaseResult): string[] {
  const followUps: string[] = [];
  const backup = result.steps.find((step) => step.kind === 'backup' && step.status === 'succeeded');
  const changed = migrationsThatChanged(result);
  const artifacts = (backup?.detail.artifacts as { id: string; source: string }[] | undefined) ?? [];
  if (result.status !== 'succeeded' && changed.length > 0 && artifacts.length > 0) {
    followUps.push(
      `the database was migrated (${changed.join(', ')}): if the data must go back too, restore ${artifacts.map((a) => `${a.source} with \`glidepath backup restore ${a.id}\``).join(', ')}`,
    );
  }
  if (result.status === 'rolled_back' || result.status === 'failed') followUps.push(`find and fix the cause in ${result.version} before releasing it again (${result.reason ?? 'see the timeline'})`);
  if (result.status === 'aborted') followUps.push('note why the release was aborted');
  return followUps;
}

/** Builds the launch record of release `id` from the store (and the git history of `planDir`). */
export async function buildLaunchRecord(store: Store, id: string, planDir: string): Promise<LaunchRecord> {
  const result = await readReleaseResult(store, id);
  const release = await store.releases.get(id);
  const events = await store.events.list({ releaseId: id, limit: 10_000 });
  const participants = [...new Set(events.filter((e) => e.type === 'release.participants').flatMap((e) => (e.data.names as string[] | undefined) ?? []))];
  const steering = events
    .filter((e) => e.type === 'release.steered')
    .map((e) => ({ action: typeof e.data.action === 'string' ? e.data.action : '', by: typeof e.data.by === 'string' ? e.data.by : '', at: e.at }));
  const runners = events
    .filter((e) => e.type === 'release.runner' && typeof e.data.holder === 'string')
    .map((e) => ({ holder: String(e.data.holder), role: typeof e.data.role === 'string' ? e.data.role : 'started', from: typeof e.data.from === 'string' ? e.data.from : null, at: e.at }));
  const traffic = trafficDuring(events);
  const planEvent = events.find((e) => e.type === 'release.plan');
  const plan =
    planEvent && typeof planEvent.data.sha256 === 'string' && typeof planEvent.data.text === 'string'
      ? { file: typeof planEvent.data.file === 'string' ? planEvent.data.file : '', sha256: planEvent.data.sha256, text: planEvent.data.text }
      : null;
  return {
    id: result.id,
    service: result.service,
    version: result.version,
    previousVersion: result.previousVersion,
    strategy: result.strategy,
    status: result.status,
    reason: result.reason,
    owner: release?.owner ?? null,
    participants,
    runners,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs: result.finishedAt ? Date.parse(result.finishedAt) - Date.parse(result.startedAt) : null,
    changes: changesBetween(planDir, result.previousVersion, result.version, release?.notes ?? null),
    gates: result.steps.map((step) => ({ gate: step.kind, status: step.status, startedAt: step.startedAt, finishedAt: step.finishedAt, evidence: step.detail })),
    analysis: analysisSummary(result),
    traffic,
    problems: problemsOf(result, traffic),
    followUps: followUpsOf(result),
    steering,
    plan,
  };
}
