/** The release list's contract DTO made from a stored release, and the list's opaque paging cursor. */
import { ApiError } from '../shared/errors.js';
import { TERMINAL_RELEASE_STATUSES, type Release } from '../store/index.js';
import type { ReleaseSummary } from './contract.js';

/** A stored release as the history lists it, without the engine's internal state. */
export function releaseSummary(release: Release): ReleaseSummary {
  const finished = TERMINAL_RELEASE_STATUSES.includes(release.status);
  return {
    id: release.id,
    service: release.service,
    version: release.version,
    previousVersion: release.previousVersion,
    strategy: release.strategy,
    status: release.status,
    outcome: finished ? (release.status as ReleaseSummary['outcome']) : null,
    reason: release.reason,
    startedBy: release.owner,
    startedAt: release.startedAt,
    finishedAt: release.finishedAt,
    durationMs: release.finishedAt === null ? null : Math.max(0, Date.parse(release.finishedAt) - Date.parse(release.startedAt)),
    step: release.currentStep,
  };
}

/** The cursor that continues a list after `release`. */
export function cursorAfter(release: Pick<Release, 'startedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([release.startedAt, release.id]), 'utf8').toString('base64url');
}

/** The position a cursor names; a cursor this daemon did not make is a 400. */
export function readCursor(cursor: string): { startedAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return { startedAt: value[0], id: value[1] };
  } catch {
    // Not base64url JSON: refused below.
  }
  throw new ApiError(400, 'bad_request', `querystring/cursor "${cursor}" is not a cursor this API gave (use nextCursor of the previous page)`);
}
