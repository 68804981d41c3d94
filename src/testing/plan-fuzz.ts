/**
 * Random plans for the plan loader's fuzz tests: text and structure mutations of the karma-api example, with
 * values that are right in type but wrong in range (point of view: what a careless edit or a hostile file
 * produces), collection keys, and references to a secret environment variable.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { PlanError, type PlanIssue } from '../shared/errors.js';
import { seededRandom } from '../shared/seeded-random.js';
import { parsePlan } from '../plan/load.js';

const EXAMPLE = readFileSync(new URL('../../examples/karma-api/glidepath.yaml', import.meta.url), 'utf8');
const EXAMPLE_DATA = parse(EXAMPLE) as Record<string, unknown>;

/** The value of SECRET_TOKEN; no message may show it. */
export const FUZZ_SECRET = 'fuzz-secret-7c1e9b';
const ENV = { A: '2', DATABASE_URL: 'postgres://u:pw-db-secret@127.0.0.1/db', SECRET_TOKEN: FUZZ_SECRET };
const NOISE = [':', '{', '}', '[', ']', '-', '"', "'", ' ', '\n', '\t', '#', '&', '*', '!', '|', '>', '%', '@', '$', '${', '${X', '0', 'é', '\u0000', '? ', '${SECRET_TOKEN}'];
const VALUES: unknown[] = [
  null, 0, -1, 1.5, 1e308, '', '50%', '10 seconds', 'x'.repeat(300), true, [], {}, [1, 'a'], { weight: 10 }, '${UNSET}', '${A:-1}', '{url}',
  '${SECRET_TOKEN}', 'http://${SECRET_TOKEN}@127.0.0.1/', '${SECRET_TOKEN}s',
  // Right type, wrong value.
  70_000, 65_536, 1_000_000, '127.0.0.1:0', '127.0.0.1:70000', 'http://127.0.0.1:0/', 'ftp://x/', 'not a url', 'mysql://x', 'sqlite:',
  '150%', 1.5, 'banana', '99999999999999999999d', '366d', '1000000h', { 'X-A\r\nB': '1' }, { 'X-A': 'a\r\nb: c' }, { 'A=B': 'x' }, { '': 'x' },
];
/** Lines that make a flow mapping or a list into a key, holding the secret. */
const COLLECTION_KEYS = ['{ a: "${SECRET_TOKEN}" }: 1', '? { a: "${SECRET_TOKEN}" }\n: 1', '? [ "${SECRET_TOKEN}" ]\n: 1', '[ "${SECRET_TOKEN}" ]: 2'];

function textMutation(text: string, next: () => number): string {
  const at = Math.floor(next() * text.length);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const lines = text.split('\n');
  switch (Math.floor(next() * 6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 8));
    case 1:
      return text.slice(0, at) + pick(NOISE) + text.slice(at);
    case 2: {
      const i = Math.floor(next() * lines.length);
      lines.splice(i, 0, lines[Math.floor(next() * lines.length)] ?? '');
      return lines.join('\n');
    }
    case 3: {
      const i = Math.floor(next() * lines.length);
      lines[i] = (next() < 0.5 ? '  ' : '') + (lines[i] ?? '').trimStart();
      return lines.join('\n');
    }
    case 4: {
      const i = Math.floor(next() * lines.length);
      const indent = /^ */.exec(lines[i] ?? '')?.[0] ?? '';
      lines.splice(i, 0, ...pick(COLLECTION_KEYS).split('\n').map((line) => indent + line));
      return lines.join('\n');
    }
    default:
      return text.slice(0, at);
  }
}

function structuralMutation(next: () => number): string {
  const data = structuredClone(EXAMPLE_DATA);
  const leaves: { parent: Record<string | number, unknown>; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      leaves.push({ parent: node as Record<string | number, unknown>, key: Array.isArray(node) ? Number(key) : key });
      walk(value);
    }
  };
  walk(data);
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const leaf = leaves[Math.floor(next() * leaves.length)];
    if (!leaf) break;
    const action = next();
    if (action < 0.55) leaf.parent[leaf.key] = structuredClone(VALUES[Math.floor(next() * VALUES.length)]);
    else if (action < 0.8) delete leaf.parent[leaf.key];
    else if (!Array.isArray(leaf.parent)) leaf.parent[`${String(leaf.key)}x`] = 1;
  }
  return stringify(data);
}

const SECRETS = [FUZZ_SECRET, 'pw-db-secret'];

/** What is wrong with one issue of a refused plan (nothing, normally). */
function issueProblems(issue: PlanIssue, whole: string): string[] {
  const problems: string[] = [];
  if (issue.file !== 'glidepath.yaml') problems.push(`file ${issue.file}`);
  if (!(issue.line >= 1 && issue.column >= 1)) problems.push(`position ${issue.line}:${issue.column}`);
  if (issue.message.length === 0) problems.push('empty message');
  if (issue.message.includes('[object Object]')) problems.push(`message ${issue.message}`);
  for (const secret of SECRETS) if (`${issue.path} ${issue.message} ${whole}`.includes(secret)) problems.push(`a secret in ${issue.path}: ${issue.message}`);
  return problems;
}

/** The plan text of one seed. */
export function fuzzedPlan(seed: number): string {
  const next = seededRandom(seed);
  let text = seed % 2 === 0 ? textMutation(EXAMPLE, next) : structuralMutation(next);
  if (next() < 0.3) text = textMutation(text, next);
  return text;
}

/**
 * Loads the plans of seeds `from`..`to`: each must be valid or refused with located issues, never a crash,
 * never a secret in a message or a process warning. Returns how many were valid and refused.
 */
export async function fuzzPlanLoader(from: number, to: number): Promise<{ valid: number; refused: number }> {
  let valid = 0;
  let refused = 0;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    for (let seed = from; seed <= to; seed++) {
      const text = fuzzedPlan(seed);
      try {
        parsePlan(text, 'glidepath.yaml', ENV);
        valid++;
      } catch (error) {
        if (!(error instanceof PlanError)) throw new Error(`seed ${seed}: loader threw ${String(error)}\n---\n${text}`, { cause: error });
        // Plain checks, not one expect per issue: ten thousand plans make expect's own cost count.
        const wrong = error.issues.length === 0 ? ['no issues'] : error.issues.flatMap((issue) => issueProblems(issue, error.message));
        if (wrong.length > 0) throw new Error(`seed ${seed}: ${wrong.join('; ')}\n---\n${text}`, { cause: error });
        refused++;
      }
    }
  } finally {
    // Node emits warnings on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
  }
  expect(warnings.join('\n')).not.toContain(FUZZ_SECRET);
  return { valid, refused };
}
