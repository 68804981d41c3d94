/** How a finished release reads on the command line: its exit code and its one-line summary. */
import type { ReleaseDocument } from '../api/contract.js';
import { EXIT } from '../shared/errors.js';

/** Exit code of a finished release: 0 only when it succeeded. */
export function releaseExit(release: ReleaseDocument): typeof EXIT.ok | typeof EXIT.bad {
  return release.status === 'succeeded' ? EXIT.ok : EXIT.bad;
}

/** One line that says how a release ended and why. */
export function summary(release: ReleaseDocument): string {
  const took = release.finishedAt ? ` in ${Math.round((Date.parse(release.finishedAt) - Date.parse(release.startedAt)) / 1000)}s` : '';
  return `${release.version}: ${release.status}${took}${release.reason ? ` — ${release.reason}` : ''} (release ${release.id})`;
}
