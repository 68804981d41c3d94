/** Whether a silence's matchers select an alert's labels, with Alertmanager's matcher semantics. */
import type { SilenceMatcher } from '../store/index.js';

/** A matcher of `name=value`, `name!=value`, `name=~regex` or `name!~regex`; undefined when the text is none of them. */
export function parseMatcher(text: string): SilenceMatcher | undefined {
  const found = /^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?$/.exec(text.trim());
  if (!found) return undefined;
  const [, name, op, value] = found as unknown as [string, string, SilenceMatcher['op'], string];
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(value);
    } catch {
      return undefined;
    }
  }
  return { name, op, value };
}

/** True when every matcher holds for the labels (a missing label is the empty string; regexes are anchored). */
export function silenceMatches(matchers: readonly SilenceMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => {
    const value = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return value === m.value;
      case '!=':
        return value !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(value);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(value);
    }
  });
}
