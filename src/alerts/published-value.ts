/** Values a service publishes itself: a number at a JSON path of an answer, or a series of a Prometheus exposition. */

/** The number at a dotted path (`$.a.b`, `a.items[0].n`) of a JSON value; undefined when absent or not a number. */
export function numberAtJsonPath(document: unknown, path: string): number | undefined {
  const parts = path
    .replace(/^\$\.?/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((part): part is string => part !== undefined && part !== '');
  let node: unknown = document;
  for (const part of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  const value = typeof node === 'string' && node.trim() !== '' ? Number(node) : node;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The value of a series in a Prometheus text exposition. `name` matches a series of that name whose labels include
 * the given ones (`jobs{state="failed"}`); several matches are summed, as `sum()` would.
 */
export function seriesValue(exposition: string, selector: string): number | undefined {
  const wanted = /^([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{(.*)\})?$/.exec(selector.trim());
  if (!wanted) return undefined;
  const [, name, labelText] = wanted as unknown as [string, string, string | undefined];
  const labels = parseLabels(labelText ?? '');
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const found = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!found || found[1] !== name) continue;
    const have = parseLabels(found[2] ?? '');
    if (![...labels].every(([k, v]) => have.get(k) === v)) continue;
    const value = Number(found[3]);
    if (!Number.isNaN(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) labels.set(match[1] as string, (match[2] as string).replace(/\\(.)/g, '$1'));
  return labels;
}
