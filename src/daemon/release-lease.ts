/** How a host of the release engine (the daemon, `deploy --foreground`) holds release leases: their TTL and takeover. */
import { hostname } from 'node:os';
import { DEFAULT_LOCK_TTL_MS } from '../engine/lock-lease.js';
import type { LiveTakeover } from '../engine/release-takeover.js';
import { parseHolder } from '../engine/runner-identity.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { processAlive } from '../shared/process-alive.js';

/** The environment variable that sets the release lease's TTL (default 60s); tests shorten it. */
export const LEASE_TTL_ENV = 'GLIDEPATH_LEASE_TTL';

/** Shortest TTL accepted: renewals come every third of it, and a store round trip must fit well within. */
const MIN_LEASE_TTL_MS = 1_000;

/** The release lease's TTL from GLIDEPATH_LEASE_TTL (a duration such as `5s`), else the default; bad values are refused. */
export function leaseTtlMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env[LEASE_TTL_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_LOCK_TTL_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_LEASE_TTL_MS) {
    throw new UsageError(`${LEASE_TTL_ENV}="${text}" is not a duration of at least ${formatDuration(MIN_LEASE_TTL_MS)} (such as 30s or 2m)`);
  }
  return ms;
}

/**
 * A daemon restarting takes over at once the lease of a daemon on this host whose process is gone (or of an earlier
 * daemon in this very process): it cannot be running the release any more. Every other live lease must lapse.
 */
export const daemonTakeover: LiveTakeover = (holder) => {
  const runner = parseHolder(holder);
  return runner?.kind === 'daemon' && runner.host === hostname() && (runner.pid === process.pid || !processAlive(runner.pid));
};
