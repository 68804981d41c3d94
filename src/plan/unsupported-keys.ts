/**
 * Plan keys the schema describes but glidepath does not carry out yet. A plan that uses one is refused, so no
 * accepted key is silently ignored; carrying one out means deleting its entry here (the schema's description
 * and the reference docs then stop saying "not supported yet").
 */
import type { KeyPath } from './yaml-path.js';

/** A key path the loader refuses, and why. */
export interface UnsupportedKey {
  /** Key path; `*` stands for any name in a map, `[]` for any item of a list. */
  path: string;
  /** Only when the key holds this value (a target `type`); the whole enclosing object is then refused. */
  value?: string;
  /** What the user can do meanwhile, or when it comes. */
  reason: string;
}

/** Every unsupported key; delete an entry once the key does what the plan reference says. */
export const UNSUPPORTED_KEYS: readonly UnsupportedKey[] = [
  { path: 'verify[].interval', reason: 'monitors run named checks: give the check under `checks:` an interval' },
  { path: 'verify[].retryInterval', reason: 'monitors run named checks: give the check under `checks:` a retryInterval' },
];

/** Segments of an entry's path: names, `*` and `[]`. */
export function patternSegments(path: string): string[] {
  return path.split('.').flatMap((part) => {
    const list = part.endsWith('[]');
    const name = list ? part.slice(0, -2) : part;
    return list ? [name, '[]'] : [name];
  });
}

/** A use of an unsupported key in a plan: where it stands, and what the error says. */
export interface UnsupportedUse {
  /** The key (or, for a value, the key holding it). */
  path: KeyPath;
  /** Everything under this path is refused with it, so its other issues are noise. */
  covers: KeyPath;
  /** Whether the error points at the key (else at its value). */
  atKey: boolean;
  message: string;
}

/** Where the raw plan data uses an unsupported key. */
export function unsupportedUses(data: unknown, keys: readonly UnsupportedKey[] = UNSUPPORTED_KEYS): UnsupportedUse[] {
  const uses: UnsupportedUse[] = [];
  for (const entry of keys) {
    const segments = patternSegments(entry.path);
    const walk = (node: unknown, at: number, path: (string | number)[]): void => {
      if (node === null || typeof node !== 'object') return;
      const segment = segments[at] as string;
      const last = at === segments.length - 1;
      const children: [string | number, unknown][] =
        segment === '[]'
          ? Array.isArray(node) ? node.map((item, i) => [i, item]) : []
          : segment === '*'
            ? Array.isArray(node) ? [] : Object.entries(node)
            : !Array.isArray(node) && Object.hasOwn(node, segment) ? [[segment, (node as Record<string, unknown>)[segment]]] : [];
      for (const [key, child] of children) {
        const childPath = [...path, key];
        if (!last) walk(child, at + 1, childPath);
        else if (entry.value === undefined) {
          if (child !== undefined) uses.push({ path: childPath, covers: childPath, atKey: true, message: `${String(key)} is not supported yet (${entry.reason})` });
        } else if (child === entry.value) {
          uses.push({ path: childPath, covers: path, atKey: false, message: `${String(key)}: ${entry.value} is not supported yet (${entry.reason})` });
        }
      }
    };
    walk(data, 0, []);
  }
  return uses;
}
