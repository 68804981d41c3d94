import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PlanError } from '../shared/errors.js';
import { seededRandom as random } from '../shared/seeded-random.js';
import { parsePlan } from './load.js';

const EXAMPLE = readFileSync(new URL('../../examples/karma-api/glidepath.yaml', import.meta.url), 'utf8');
const NOISE = [':', '{', '}', '[', ']', '-', '"', "'", ' ', '\n', '\t', '#', '&', '*', '!', '|', '>', '%', '@', '$', '${', '${X', '0', 'é', '\u0000'];
const VALUES: unknown[] = [null, 0, -1, 1.5, 1e308, '', '50%', '10 seconds', 'x'.repeat(300), true, [], {}, [1, 'a'], { weight: 10 }, '${UNSET}', '${A:-1}', '{url}'];

function textMutation(text: string, next: () => number): string {
  const at = Math.floor(next() * text.length);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const lines = text.split('\n');
  switch (Math.floor(next() * 5)) {
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
    default:
      return text.slice(0, at);
  }
}

function structuralMutation(text: string, next: () => number): string {
  const data = parse(text) as Record<string, unknown>;
  const leaves: { parent: Record<string | number, unknown>; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const k = Array.isArray(node) ? Number(key) : key;
      leaves.push({ parent: node as Record<string | number, unknown>, key: k });
      walk(value);
    }
  };
  walk(data);
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const leaf = leaves[Math.floor(next() * leaves.length)];
    if (!leaf) break;
    const action = next();
    if (action < 0.5) leaf.parent[leaf.key] = VALUES[Math.floor(next() * VALUES.length)];
    else if (action < 0.75) delete leaf.parent[leaf.key];
    else if (!Array.isArray(leaf.parent)) leaf.parent[`${String(leaf.key)}x`] = 1;
  }
  return stringify(data);
}

describe('plan loader under random mutations', () => {
  it('gives every input either a valid plan or located errors, never a crash', () => {
    const env = { A: '2', DATABASE_URL: 'postgres://u:pw@127.0.0.1/db' };
    let valid = 0;
    let refused = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const next = random(seed);
      let text = seed % 2 === 0 ? textMutation(EXAMPLE, next) : structuralMutation(EXAMPLE, next);
      if (next() < 0.3) text = textMutation(text, next);
      try {
        parsePlan(text, 'glidepath.yaml', env);
        valid++;
      } catch (error) {
        if (!(error instanceof PlanError)) throw new Error(`seed ${seed}: loader threw ${String(error)}\n---\n${text}`, { cause: error });
        expect(error.issues.length, `seed ${seed}`).toBeGreaterThan(0);
        for (const issue of error.issues) {
          expect(issue.file).toBe('glidepath.yaml');
          expect(issue.line, `seed ${seed}`).toBeGreaterThanOrEqual(1);
          expect(issue.column, `seed ${seed}`).toBeGreaterThanOrEqual(1);
          expect(issue.message.length, `seed ${seed}`).toBeGreaterThan(0);
          expect(issue.message, `seed ${seed}: ${issue.message}`).not.toContain('[object Object]');
          expect(issue.message).not.toContain('pw@');
        }
        refused++;
      }
    }
    // Both outcomes must actually occur, or the mutations are not exercising the loader.
    expect(valid).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(500);
  });
});
