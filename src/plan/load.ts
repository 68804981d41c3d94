/** Reading a plan file: YAML with positions, environment interpolation, validation, located errors. */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { LineCounter, isAlias, parseDocument, visit, type Document, type Node } from 'yaml';
import { PlanError, UsageError, type PlanIssue } from '../shared/errors.js';
import { interpolateDocument } from './interpolate.js';
import { keyProblems } from './key-problems.js';
import { planIssuesFrom } from './plan-issues.js';
import { planSchema, type Plan } from './plan-schema.js';
import { referenceIssues } from './plan-references.js';
import { unsupportedUses } from './unsupported-keys.js';
import { formatKeyPath, nodeAt, positionOf } from './yaml-path.js';

export const DEFAULT_PLAN_FILE = 'glidepath.yaml';

/** A validated plan and where it came from. */
export interface LoadedPlan {
  plan: Plan;
  /** Absolute path of the plan file. */
  file: string;
  /** Directory relative paths in the plan are resolved against. */
  dir: string;
}

/** Validates plan text; `file` is the name errors show. Throws PlanError with every issue found. */
export function parsePlan(text: string, file: string, env: Readonly<Record<string, string | undefined>> = process.env): Plan {
  const lineCounter = new LineCounter();
  // Unique keys are checked by keyProblems in one pass; the library's own check is quadratic in a mapping's size.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const syntax: PlanIssue[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'YAML syntax error';
    return { file, line: pos.line, column: pos.col, path: '', message: `YAML: ${message}` };
  });
  if (syntax.length === 0) {
    for (const { key, path, message } of keyProblems(doc)) syntax.push({ file, ...positionOf(key, lineCounter), path: formatKeyPath(path), message });
  }
  if (syntax.length > 0) throw new PlanError(syntax);

  const { problems, fromEnvironment, secrets } = interpolateDocument(doc, env);
  const unset: PlanIssue[] = problems.map((problem) => ({
    file,
    ...positionOf(problem.node, lineCounter),
    path: formatKeyPath(problem.path),
    message: `environment variable ${problem.variable} is not set (use \${${problem.variable}:-default} for a default)`,
  }));

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Aliases are resolved only here: an unknown anchor, or one expanded too often (a "billion laughs").
    const alias = firstAlias(doc);
    const position = alias ? positionOf(alias, lineCounter) : { line: 1, column: 1 };
    throw new PlanError([{ file, ...position, path: '', message: `YAML: ${(error as Error).message}` }]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PlanError([...unset, { file, line: 1, column: 1, path: '', message: 'expected a mapping with version, service, …' }]);
  }
  const result = planSchema.safeParse(data);
  const shape = result.success ? [] : planIssuesFrom(result.error.issues, { file, doc, lineCounter, data, schema: planSchema, fromEnvironment });
  const references = referenceIssues(data).map((issue) => ({
    file,
    ...positionOf(nodeAt(doc, issue.path).node, lineCounter),
    path: formatKeyPath(issue.path),
    message: issue.message,
  }));
  const uses = unsupportedUses(data);
  const unsupported = uses.map((use) => ({
    file,
    ...positionOf(nodeAt(doc, use.path, use.atKey).node, lineCounter),
    path: formatKeyPath(use.path),
    message: use.message,
  }));
  // What an unsupported key holds is refused with it; its own problems would only be noise.
  const covered = uses.map((use) => formatKeyPath(use.covers));
  const isCovered = (path: string) => covered.some((prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`));
  // A value emptied by an unset variable would also fail its own rule; the variable is the news.
  const unsetPaths = new Set(unset.map((issue) => issue.path));
  const issues = [...[...shape, ...references].filter((issue) => !isCovered(issue.path)), ...unsupported].filter((issue) => !unsetPaths.has(issue.path));
  const all = [...unset, ...issues].sort((a, b) => a.line - b.line || a.column - b.column);
  if (all.length > 0 || !result.success) throw new PlanError(withoutSecrets(all, secrets));
  return result.data;
}

/**
 * Messages name a value from the environment as `the value of ${VAR}`; this is the net under that rule, for
 * wording that quotes its input (a cron library's message, say). Values under 4 characters are left alone:
 * they hide nothing, and masking every "1" would garble the messages.
 */
function withoutSecrets(issues: PlanIssue[], secrets: ReadonlySet<string>): PlanIssue[] {
  const masked = [...secrets].filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  if (masked.length === 0) return issues;
  const mask = (text: string) => masked.reduce((out, value) => out.split(value).join('***'), text);
  return issues.map((issue) => ({ ...issue, message: mask(issue.message), path: mask(issue.path) }));
}

function firstAlias(doc: Document): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node)) found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** Reads and validates the plan file at `path` (default `./glidepath.yaml`). */
export function loadPlan(path = DEFAULT_PLAN_FILE, env: Readonly<Record<string, string | undefined>> = process.env, cwd = process.cwd()): LoadedPlan {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : ((error as Error).message ?? String(error));
    throw new UsageError(`cannot read plan ${path}: ${why}${code === 'ENOENT' && path === DEFAULT_PLAN_FILE ? ' (use -f FILE to name another)' : ''}`);
  }
  const shown = relative(cwd, file) || file;
  return { plan: parsePlan(text, shown.startsWith('..') ? file : shown, env), file, dir: dirname(file) };
}
