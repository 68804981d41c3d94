/** `{name}` placeholders in check configuration, filled from the values glidepath knows at run time. */
import type { CheckVariables } from './check.js';

/** Placeholders glidepath itself provides; plans may rely on these names. */
export const PLACEHOLDER_NAMES = ['version', 'port', 'url', 'service_url'] as const;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces each `{name}` whose name is in `variables`; unknown `{x}` (and JSON braces) are left as they are. */
export function fillPlaceholders(text: string, variables: CheckVariables): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(variables, name) ? (variables[name] as string) : whole,
  );
}

/** Applies {@link fillPlaceholders} to every string inside a parsed configuration (objects and arrays included). */
export function fillConfigPlaceholders<T>(value: T, variables: CheckVariables): T {
  if (typeof value === 'string') return fillPlaceholders(value, variables) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => fillConfigPlaceholders(item, variables)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = fillConfigPlaceholders(item, variables);
    return out as T;
  }
  return value;
}
