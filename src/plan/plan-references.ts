/**
 * References between sections (a preflight item naming a check, an alert naming a notifier). Checked on the
 * raw data, apart from the schema, so they are reported in the same run as every shape problem.
 */
import { alertConditionIssues } from './alert-references.js';
import { capabilityIssues } from './target-capabilities.js';
import type { KeyPath } from './yaml-path.js';

/** A reference between plan sections that names nothing (a check, a notifier). */
export interface ReferenceIssue {
  path: KeyPath;
  message: string;
}

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw => value !== null && typeof value === 'object' && !Array.isArray(value);
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const nameIn = (value: unknown, key: string): string | undefined => (isRecord(value) && typeof value[key] === 'string' ? value[key] : undefined);

/** Every reference to a check, notifier or job that does not resolve, with where it stands. */
export function referenceIssues(data: unknown): ReferenceIssue[] {
  if (!isRecord(data)) return [];
  const issues: ReferenceIssue[] = [];
  const checks = new Set(isRecord(data.checks) ? Object.keys(data.checks) : []);
  const notifiers = new Set(isRecord(data.notify) ? Object.keys(data.notify) : []);
  const refer = (kind: 'check' | 'notifier', name: string | undefined, path: KeyPath) => {
    const known = kind === 'check' ? checks : notifiers;
    if (name === undefined || known.has(name)) return;
    const section = kind === 'check' ? 'checks' : 'notify';
    issues.push({ path, message: `unknown ${kind} "${name}" (${section}: ${[...known].join(', ') || 'none defined'})` });
  };
  listOf(data.preflight).forEach((item, i) => refer('check', nameIn(item, 'check'), ['preflight', i, 'check']));
  listOf(data.verify).forEach((item, i) => refer('check', nameIn(item, 'check'), ['verify', i, 'check']));
  if (isRecord(data.analysis)) {
    listOf(data.analysis.metrics).forEach((m, i) => refer('check', nameIn(m, 'check'), ['analysis', 'metrics', i, 'check']));
  }
  if (isRecord(data.backup) && isRecord(data.backup.verify)) {
    listOf(data.backup.verify.checks).forEach((name, i) => refer('check', typeof name === 'string' ? name : undefined, ['backup', 'verify', 'checks', i]));
  }
  listOf(data.alerts).forEach((rule, i) => {
    refer('check', nameIn(rule, 'check'), ['alerts', i, 'check']);
    if (isRecord(rule)) listOf(rule.notify).forEach((name, j) => refer('notifier', typeof name === 'string' ? name : undefined, ['alerts', i, 'notify', j]));
  });
  issues.push(...alertConditionIssues(data));
  const jobs = new Set<string>();
  listOf(data.jobs).forEach((job, i) => {
    const name = nameIn(job, 'name');
    if (name === undefined) return;
    if (jobs.has(name)) issues.push({ path: ['jobs', i, 'name'], message: `job "${name}" is defined twice` });
    jobs.add(name);
  });
  // `bench: {}` as a canary step or a verify item runs the plan's `bench:` section
  const benchUses: KeyPath[] = [];
  listOf(data.verify).forEach((item, i) => isRecord(item) && item.bench !== undefined && benchUses.push(['verify', i, 'bench']));
  if (isRecord(data.strategy) && isRecord(data.strategy.canary)) {
    listOf(data.strategy.canary.steps).forEach((step, i) => isRecord(step) && step.bench !== undefined && benchUses.push(['strategy', 'canary', 'steps', i, 'bench']));
  }
  if (data.bench === undefined) for (const path of benchUses) issues.push({ path, message: 'runs the plan\'s `bench:` section, and the plan has none' });
  if (data.strategy !== undefined && data.target === undefined) {
    issues.push({ path: ['strategy'], message: 'a strategy needs a target to release to' });
  }
  issues.push(...capabilityIssues(data));
  return issues;
}
