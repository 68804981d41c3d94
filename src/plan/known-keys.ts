/** The keys a plan schema accepts at a path, for "did you mean" hints. */
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import type { KeyPath } from './yaml-path.js';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else break;
  }
  return current;
}

/** Object schemas a value at this level may match (several for unions), preferring one whose literal fields match `data`. */
function objectCandidates(schema: z.ZodType, data: unknown): z.ZodType[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object') return [inner];
  if (def.type !== 'union' || !def.options) return [];
  const objects = def.options.flatMap((option) => objectCandidates(option, data));
  const record = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const matching = objects.filter((candidate) =>
    Object.entries(defOf(candidate).shape ?? {}).some(([key, field]) => {
      const fieldDef = defOf(unwrap(field));
      return fieldDef.type === 'literal' && fieldDef.values?.includes(record[key]);
    }),
  );
  return matching.length > 0 ? matching : objects;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** Keys accepted by the object at `path` of `data`, or an empty list when the schema there is not an object. */
export function knownKeysAt(root: z.ZodType, data: unknown, path: KeyPath): string[] {
  let schemas: z.ZodType[] = [root];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const here = valueAt(data, path.slice(0, i));
    const next: z.ZodType[] = [];
    for (const schema of schemas) {
      const inner = unwrap(schema);
      const def = defOf(inner);
      if (def.type === 'array' && def.element) next.push(def.element);
      else if (def.type === 'record' && def.valueType) next.push(def.valueType);
      else {
        for (const candidate of objectCandidates(inner, here)) {
          const field = defOf(candidate).shape?.[String(segment)];
          if (field) next.push(field);
        }
      }
    }
    schemas = next;
  }
  const keys = new Set<string>();
  for (const schema of schemas) {
    for (const candidate of objectCandidates(schema, valueAt(data, path))) Object.keys(defOf(candidate).shape ?? {}).forEach((k) => keys.add(k));
  }
  return [...keys];
}

/** The known key a misspelt one most likely meant, if any is close enough. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const sameCase = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  if (sameCase) return sameCase;
  const best = closest(key, known);
  // Two edits cover a swapped pair of letters (strat → start) once a key is long enough to not be a guess.
  const allowed = best.length <= 3 ? 1 : Math.max(2, Math.floor(best.length / 3));
  return distance(key, best) <= allowed ? best : undefined;
}
