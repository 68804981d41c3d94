/** Building the plan's named checks and running them with the plan's timeout and retries. */
import { createCheck } from '../checks/registry.js';
import { runCheck } from '../checks/run-check.js';
import type { CheckResult, CheckVariables } from '../checks/check.js';
import type { Plan } from '../plan/plan-schema.js';
import { checkKindOf, type CheckEntry } from '../plan/schema/checks.js';
import { UsageError } from '../shared/errors.js';

/** A check's outcome with its name and kind, as reports show it. */
export interface NamedCheckResult extends CheckResult {
  name: string;
  kind: string;
}

/**
 * `{service_url}` is the service's public address; `{url}` the version under test. Outside a release
 * there is no version under test, so `{url}` is the public address too unless the caller names one.
 */
export function checkVariables(plan: Plan, overrides: Partial<Record<string, string>> = {}): CheckVariables {
  const listen = plan.target && 'listen' in plan.target ? plan.target.listen : undefined;
  const serviceUrl = overrides.service_url ?? (listen ? `http://${listen}` : '');
  const variables: Record<string, string> = { service: plan.service, service_url: serviceUrl, url: overrides.url ?? serviceUrl };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) variables[key] = value;
  return variables;
}

/** Runs one check entry (named or inline) and never throws. */
export async function runCheckEntry(
  name: string,
  entry: CheckEntry,
  deps: { cwd: string; variables: CheckVariables; signal?: AbortSignal },
): Promise<NamedCheckResult> {
  return checkEntryRunner(name, entry, deps)(deps.signal);
}

/**
 * A check entry built once and run any number of times (with its timeout and retries), for callers that run the
 * same check again and again, such as a monitor's beats; building it throws only for unusable configuration.
 */
export function checkEntryRunner(name: string, entry: CheckEntry, deps: { cwd: string; variables: CheckVariables }): (signal?: AbortSignal) => Promise<NamedCheckResult> {
  const { kind, config } = checkKindOf(entry);
  const check = createCheck(kind, config, { cwd: deps.cwd, variables: deps.variables });
  return async (signal) => ({ name, kind, ...(await runCheck(check, { timeoutMs: entry.timeout, retries: entry.retries, signal })) });
}

/**
 * How many checks `glidepath check` runs at once by default: enough that a slow check does not hold up the
 * others, few enough that checks with latency limits do not measure the contention they cause themselves.
 */
export const DEFAULT_CHECK_CONCURRENCY = 4;

/**
 * Runs `entries` with at most `concurrency` running at a time, starting each as another ends; the results are in
 * the order of `entries`.
 */
export async function runCheckEntries(
  entries: readonly [string, CheckEntry][],
  concurrency: number,
  deps: { cwd: string; variables: CheckVariables; signal?: AbortSignal },
): Promise<NamedCheckResult[]> {
  const results: NamedCheckResult[] = new Array<NamedCheckResult>(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const [name, entry] = entries[i] as [string, CheckEntry];
      results[i] = await runCheckEntry(name, entry, deps);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, entries.length)) }, worker));
  return results;
}

/** The plan's checks named by `names` (all when empty), in the order asked; an unknown name is a usage error. */
export function selectChecks(plan: Plan, names: readonly string[]): [string, CheckEntry][] {
  const all = Object.entries(plan.checks);
  if (names.length === 0) return all;
  const unknown = names.filter((name) => !(name in plan.checks));
  if (unknown.length > 0) {
    const known = all.map(([name]) => name).join(', ') || 'none';
    throw new UsageError(`unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; the plan has: ${known}`);
  }
  return names.map((name) => [name, plan.checks[name] as CheckEntry]);
}
