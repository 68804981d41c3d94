/** Reading a Prometheus text exposition (what a service serves on /metrics): the sum of the series a selector matches. */
import { matchesSelector, type SeriesSelector } from '../../shared/series-selector.js';

const SAMPLE_LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

/** What the selector found: the sum of the matching series and how many matched (0: no data). */
export interface SeriesReading {
  value: number | null;
  series: number;
}

/** Sums the series of the exposition the selector matches, as PromQL's `sum()` would; NaN series are skipped. */
export function readSeries(exposition: string, selector: SeriesSelector): SeriesReading {
  let sum = 0;
  let series = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(selector.name)) continue;
    const found = SAMPLE_LINE.exec(line.trim());
    if (!found || found[1] !== selector.name) continue;
    if (!matchesSelector(selector, parseLabels(found[2] ?? ''))) continue;
    const value = parseSampleValue(found[3] as string);
    if (value === undefined) continue;
    sum += value;
    series++;
  }
  return { value: series > 0 ? sum : null, series };
}

function parseSampleValue(text: string): number | undefined {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(LABEL)) {
    labels.set(match[1] as string, (match[2] as string).replace(/\\(.)/g, (_whole, char: string) => (char === 'n' ? '\n' : char)));
  }
  return labels;
}
