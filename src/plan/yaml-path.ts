/** Finding nodes of a parsed YAML document by key path, and naming paths the way errors show them. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

/** A key path in the plan, like `analysis.metrics.0.max`. */
export type KeyPath = readonly (string | number)[];

/** `strategy.canary.steps[2].weight`; a key with dots, brackets, spaces or control characters as `["a b"]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    // eslint-disable-next-line no-control-regex
    else if (segment === '' || /[.[\]"\s\u0000-\u001f\u007f]/.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

// Lookups by key and by item, built once per collection: errors of a 32k-key mapping would otherwise scan it
// once per error. The document is not changed after validation starts, so the indexes stay true.
const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair<Node, Node | null>>>();
const itemIndexes = new WeakMap<YAMLSeq, Map<unknown, number>>();

function pairOf(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  let index = pairsByKey.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items as Pair<Node, Node | null>[]) {
      // The first pair of a key wins, as `find` would pick it.
      if (isScalar(item.key) && !index.has(String(item.key.value))) index.set(String(item.key.value), item);
    }
    pairsByKey.set(map, index);
  }
  return index.get(key);
}

function indexIn(seq: YAMLSeq, item: unknown): number {
  let index = itemIndexes.get(seq);
  if (!index) {
    index = new Map();
    seq.items.forEach((entry, i) => index?.has(entry) || index?.set(entry, i));
    itemIndexes.set(seq, index);
  }
  return index.get(item) ?? -1;
}

/** The deepest node along `path` (the value node, or the key node when `wantKey` and the last key exists). */
export function nodeAt(doc: Document, path: KeyPath, wantKey = false): { node: Node | undefined; found: boolean } {
  let current: unknown = doc.contents;
  let lastGood: Node | undefined = (doc.contents) ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(current)) {
      const pair = pairOf(current, String(segment));
      if (!pair) return { node: lastGood, found: false };
      const last = i === path.length - 1;
      if (last && wantKey) return { node: pair.key, found: true };
      current = pair.value ?? pair.key;
      lastGood = (pair.value ?? pair.key);
    } else if (isSeq(current) && typeof segment === 'number') {
      const item = current.items[segment];
      if (item === undefined) return { node: lastGood, found: false };
      current = item;
      lastGood = item as Node;
    } else {
      return { node: lastGood, found: false };
    }
  }
  return { node: lastGood, found: true };
}

/** 1-based line and column of a node's start. */
export function positionOf(node: Node | undefined, lineCounter: LineCounter): { line: number; column: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Key path of a node from the ancestors `yaml`'s `visit` hands to a visitor. */
export function pathFromAncestors(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent) && isScalar(parent.key)) path.push(String(parent.key.value));
    else if (isSeq(parent)) path.push(indexIn(parent, child));
  }
  return path;
}
