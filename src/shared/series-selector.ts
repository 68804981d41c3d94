/**
 * A Prometheus series selector as a service's own text exposition is read with: a metric name and label matchers
 * (`=`, `!=`, `=~`, `!~`; regular expressions anchored at both ends, as in PromQL), e.g.
 * `http_requests_total{code=~"5..",path!="/health"}`.
 */

/** One label matcher of a selector. */
export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A parsed selector: the series name and every matcher its labels must satisfy. */
export interface SeriesSelector {
  name: string;
  matchers: LabelMatcher[];
  /** The regular expressions of `=~` and `!~` matchers, compiled once, by matcher index. */
  patterns: Map<number, RegExp>;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:]*/;
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/;

/** Parses a selector, or explains in one sentence why it is not one. */
export function parseSeriesSelector(text: string): SeriesSelector | string {
  const trimmed = text.trim();
  const name = NAME.exec(trimmed)?.[0];
  if (name === undefined) return 'expected a series name like http_requests_total, optionally with {label="value"} matchers';
  let rest = trimmed.slice(name.length).trim();
  const matchers: LabelMatcher[] = [];
  const patterns = new Map<number, RegExp>();
  if (rest === '') return { name, matchers, patterns };
  if (!rest.startsWith('{') || !rest.endsWith('}')) return `expected {label="value", …} after ${name}, got ${JSON.stringify(rest)}`;
  rest = rest.slice(1, -1);
  while (rest.trim() !== '') {
    const match = MATCHER.exec(rest);
    if (!match) return `expected label matchers like code="500" or code=~"5..", got ${JSON.stringify(rest.trim())}`;
    const [whole, label, op, raw] = match as unknown as [string, string, LabelMatcher['op'], string];
    const value = unescape(raw);
    if (op === '=~' || op === '!~') {
      try {
        patterns.set(matchers.length, new RegExp(`^(?:${value})$`));
      } catch (error) {
        return `the pattern of ${label}${op}"${raw}" is not a regular expression: ${(error as Error).message}`;
      }
    }
    matchers.push({ label, op, value });
    rest = rest.slice(whole.length);
  }
  return { name, matchers, patterns };
}

/** Whether a series' labels satisfy every matcher; a missing label reads as the empty string, as in PromQL. */
export function matchesSelector(selector: SeriesSelector, labels: ReadonlyMap<string, string>): boolean {
  return selector.matchers.every((matcher, index) => {
    const have = labels.get(matcher.label) ?? '';
    switch (matcher.op) {
      case '=':
        return have === matcher.value;
      case '!=':
        return have !== matcher.value;
      case '=~':
        return selector.patterns.get(index)?.test(have) === true;
      case '!~':
        return selector.patterns.get(index)?.test(have) !== true;
    }
  });
}

function unescape(raw: string): string {
  return raw.replace(/\\(.)/g, (_whole, char: string) => (char === 'n' ? '\n' : char));
}
