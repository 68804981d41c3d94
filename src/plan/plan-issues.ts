/** Turns zod's validation issues into located, readable plan issues. */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar } from 'yaml';
import type { z } from 'zod';
import type { PlanIssue } from '../shared/errors.js';
import { foreignKeyHint } from './foreign-keys.js';
import { didYouMean, knownKeysAt } from './known-keys.js';
import { formatKeyPath, nodeAt, positionOf, type KeyPath } from './yaml-path.js';

type ZodIssue = z.core.$ZodIssue;

/** What turning schema issues into located plan issues needs: the file, its YAML document and the schema. */
export interface IssueContext {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  data: unknown;
  schema: z.ZodType;
  /** Scalars filled from the environment, with the variables used: their values are secrets. */
  fromEnvironment: Map<Scalar, string[]>;
}

const ARTICLE_TYPES: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  int: 'a whole number',
};

/** How the value at a node reads in an error, never revealing what came from the environment. */
function describeValue(node: Node | undefined, ctx: IssueContext): string {
  if (node === undefined) return 'nothing';
  if (isScalar(node)) {
    const vars = ctx.fromEnvironment.get(node);
    if (vars) return `the value of ${vars.map((v) => `\${${v}}`).join(', ')}`;
    if (node.value === null) return 'nothing';
    return typeof node.value === 'string' ? JSON.stringify(node.value) : JSON.stringify(node.value) ?? 'a value';
  }
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return 'something else';
}

function isZodDefault(message: string): boolean {
  return /^(Invalid input|Too (small|big)|Invalid (option|string|number)|Expected )/.test(message);
}

/** The readable "expected …" part of an issue. */
function expectation(issue: ZodIssue): string {
  if (!isZodDefault(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${ARTICLE_TYPES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${JSON.stringify(issue.values[0])}` : `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' ? `expected at least ${String(issue.minimum)} item(s)` : `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' ? `expected at most ${String(issue.maximum)} item(s)` : `expected at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/** Chooses the union branch the author most likely meant: the one with the fewest unknown or missing keys. */
function bestBranch(branches: ZodIssue[][], data: unknown, base: KeyPath): ZodIssue[] {
  const penalty = (issues: ZodIssue[]) =>
    issues.reduce((sum, issue) => {
      if (issue.code === 'unrecognized_keys') return sum + 10 * issue.keys.length;
      if (issue.code === 'invalid_type' && valueAt(data, [...base, ...issue.path]) === undefined) return sum + 10;
      return sum + 1;
    }, 0);
  return [...branches].sort((a, b) => penalty(a) - penalty(b))[0] ?? [];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function located(ctx: IssueContext, path: KeyPath, message: string, wantKey = false): PlanIssue {
  const { node } = nodeAt(ctx.doc, path, wantKey);
  const { line, column } = positionOf(node, ctx.lineCounter);
  return { file: ctx.file, line, column, path: formatKeyPath(path), message };
}

const pathKey = (path: readonly PropertyKey[]) => path.map(String).join('\u0000');

/**
 * Drops issues that only echo another: an object's "expected one of …" next to its unknown keys, and a missing
 * key next to the misspelling of it that the hint already names.
 */
function withoutEchoes(issues: readonly ZodIssue[], ctx: IssueContext, base: KeyPath): ZodIssue[] {
  const unknownAt = new Set<string>();
  const meantKeys = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = [...base, ...issue.path];
    unknownAt.add(pathKey(path));
    const known = knownKeysAt(ctx.schema, ctx.data, path as KeyPath);
    for (const key of issue.keys) {
      const guess = /^did you mean "([^"]+)"/.exec(foreignKeyHint([...path, key] as KeyPath) ?? '')?.[1] ?? didYouMean(key, known);
      if (guess) meantKeys.add(pathKey([...path, guess]));
    }
  }
  return issues.filter((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'custom' && unknownAt.has(pathKey(path))) return false;
    return !(issue.code === 'invalid_type' && meantKeys.has(pathKey(path)));
  });
}

/** Located plan issues for the zod issues of one validation, in document order. */
export function planIssuesFrom(issues: readonly ZodIssue[], ctx: IssueContext, base: KeyPath = []): PlanIssue[] {
  const out: PlanIssue[] = [];
  for (const issue of withoutEchoes(issues, ctx, base)) {
    const path = [...base, ...issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s))];
    // A union with its own wording (text, a number or true/false) says it better than any one branch.
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && isZodDefault(issue.message)) {
      out.push(...planIssuesFrom(bestBranch(issue.errors, ctx.data, path), ctx, path));
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A key of a map (a header or variable name) broke its rule; the key is the user's text, never a secret.
      const why = issue.issues.map((inner) => expectation(inner)).find((text) => text !== '') ?? 'not a valid name';
      out.push(located(ctx, path, `${why}, got ${JSON.stringify(String(path[path.length - 1] ?? ''))}`, true));
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(ctx.schema, ctx.data, path);
      for (const key of issue.keys) {
        const foreign = foreignKeyHint([...path, key]);
        const guess = didYouMean(key, known);
        const hint = foreign ? `; ${foreign}` : guess ? `; did you mean "${guess}"?` : known.length > 0 ? ` (expected one of: ${known.join(', ')})` : '';
        out.push(located(ctx, [...path, key], `unknown key "${key}"${hint}`, true));
      }
      continue;
    }
    const { node, found } = nodeAt(ctx.doc, path);
    const missing = !found || valueAt(ctx.data, path) === undefined;
    let message = expectation(issue);
    if (missing && path.length > 0) message = `missing; ${message}`;
    else if (!/\bgot\b/.test(message) && (node === undefined || isScalar(node) || issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
      message = `${message}, got ${describeValue(node, ctx)}`;
    } else if (/\bgot\b/.test(message) && node && isScalar(node) && ctx.fromEnvironment.has(node)) {
      message = `${message.replace(/,? got .*$/, '')}, got ${describeValue(node, ctx)}`;
    }
    out.push(located(ctx, path, message));
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
