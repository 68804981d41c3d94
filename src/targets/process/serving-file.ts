/**
 * `<stateDir>/traffic.json`: what serves, kept across `down`, `up` and reboots — each routed version's weight and
 * the spec it was started with, so the next daemon adopts those versions or starts them again, and routes as before.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-file.js';
import type { VersionSpec } from '../../supervisor/types.js';

/** The file's name in the state directory (older daemons wrote only its `weights`). */
export const SERVING_FILE = 'traffic.json';

/** What served when the file was last written. */
export interface ServingState {
  /** Percent of traffic per version. */
  weights: Record<string, number>;
  /** Every version that ran and was ready, with the spec it was started from (its env may hold secrets: mode 0600). */
  versions: Record<string, VersionSpec>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the serving state; a missing or unreadable file is an empty one (nothing served). */
export function readServingState(stateDir: string): ServingState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(stateDir, SERVING_FILE), 'utf8'));
  } catch {
    return { weights: {}, versions: {} };
  }
  const weights: Record<string, number> = {};
  const versions: Record<string, VersionSpec> = {};
  if (isRecord(parsed) && isRecord(parsed.weights)) {
    for (const [version, weight] of Object.entries(parsed.weights)) if (typeof weight === 'number') weights[version] = weight;
  }
  if (isRecord(parsed) && isRecord(parsed.versions)) {
    for (const [version, spec] of Object.entries(parsed.versions)) {
      if (isRecord(spec) && spec.version === version && typeof spec.command === 'string') versions[version] = spec as unknown as VersionSpec;
    }
  }
  return { weights, versions };
}

/** Writes the serving state atomically, readable by its owner only. */
export function writeServingState(stateDir: string, state: ServingState): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileAtomic(join(stateDir, SERVING_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
