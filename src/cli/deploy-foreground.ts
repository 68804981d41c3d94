/** `glidepath deploy VERSION --foreground`: the release engine in this process, no daemon (CI pipelines). */
import { runForegroundRelease, refuseForegroundTarget } from '../daemon/foreground-release.js';
import type { LoadedPlan } from '../plan/load.js';
import { EXIT } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { storeUrlFor } from './context.js';
import { releaseExit, summary } from './release-outcome.js';
import { LiveReleaseView } from './release-view.js';

/** What `deploy --foreground` was asked. */
export interface ForegroundRequest {
  version: string;
  yes: boolean;
  owner: string;
  text: string;
  notes?: string;
  participants?: string[];
}

/** Refuses a target that needs the daemon before anything else is asked (exit 2). */
export function checkForegroundTarget(ctx: CliContext, loaded: LoadedPlan): void {
  refuseForegroundTarget(loaded.plan, ctx.displayPath(loaded.file));
}

/** Runs the release here, printing each event as `deploy` does, and sets the exit code from its outcome. */
export async function deployInForeground(ctx: CliContext, loaded: LoadedPlan, request: ForegroundRequest): Promise<void> {
  const storeUrl = storeUrlFor(loaded, ctx.env);
  if (storeUrl.startsWith('sqlite:')) {
    ctx.out.progress('the store is SQLite on this machine: fine for one runner; runners on other machines share a release only through a PostgreSQL store (GLIDEPATH_DATABASE_URL)');
  }
  const view = new LiveReleaseView({ canarySteps: loaded.plan.strategy?.canary?.steps.length });
  // CI cancels a job with SIGTERM (a person at a terminal with SIGINT): the release stays as recorded, for the next runner.
  const interrupted = new AbortController();
  const stop = () => interrupted.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { release } = await runForegroundRelease({
      loaded,
      text: request.text,
      env: ctx.env,
      storeUrl,
      version: request.version,
      owner: request.owner,
      yes: request.yes,
      notes: request.notes,
      participants: request.participants,
      signal: interrupted.signal,
      progress: (line) => ctx.out.progress(line),
      onEvent: (event) => {
        view.apply(event);
        const line = view.line(event);
        if (line) ctx.out.progress(line);
      },
    });
    ctx.out.result(release, () => summary(release));
    ctx.setExit(release.finishedAt === null ? EXIT.unavailable : releaseExit(release));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
