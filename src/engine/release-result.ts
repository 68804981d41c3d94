/** The final record of a release, in the shape `deploy --json` prints (DESIGN.md). */
import type { MeasurementRecord } from '../analysis/measurement.js';
import { GlidepathError } from '../shared/errors.js';
import type { Store } from '../store/index.js';

/** One step as `deploy --json` shows it. */
export interface ReleaseResultStep {
  kind: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  detail: Record<string, unknown>;
}

/** A release with its steps and measurements; `analysis` entries also carry `samples` and `reason`. */
export interface ReleaseResult {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  strategy: string;
  status: string;
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
  steps: ReleaseResultStep[];
  analysis: MeasurementRecord[];
}

/** Reads a release's record from the store. */
export async function readReleaseResult(store: Store, id: string): Promise<ReleaseResult> {
  const release = await store.releases.get(id);
  if (!release) throw new GlidepathError(`release ${id} does not exist`, { code: 'not_found' });
  const steps = await store.steps.listForRelease(id);
  const analysis = Array.isArray(release.state.analysis) ? (release.state.analysis as MeasurementRecord[]) : [];
  return {
    id: release.id,
    service: release.service,
    version: release.version,
    previousVersion: release.previousVersion,
    strategy: release.strategy,
    status: release.status,
    reason: release.reason,
    startedAt: release.startedAt,
    finishedAt: release.finishedAt,
    steps: steps.map((step) => ({ kind: step.kind, status: step.status, startedAt: step.startedAt, finishedAt: step.finishedAt, detail: step.detail })),
    analysis,
  };
}
