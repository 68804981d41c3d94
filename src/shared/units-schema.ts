/** Zod schemas for the plan's human units, shared by the plan and by every plugin's own schema. */
import { z } from 'zod';
import { formatDuration, parseDuration, parsePercent, parseSize } from './duration.js';

/** The longest duration a plan may write unless a key says otherwise: 365 days. */
export const MAX_DURATION_MS = 365 * 86_400_000;

/**
 * A duration string (`250ms`, `30s`, `2m`, `1h`, `30d`, `1m30s`), parsed to milliseconds; at most `max`
 * (365 days unless given), so that no duration reads as Infinity or overflows a timer's arithmetic.
 */
export function durationMs(description: string, { min = 0, max = MAX_DURATION_MS }: { min?: number; max?: number } = {}) {
  return z
    .string({ error: 'expected a duration like 250ms, 30s, 2m, 1h or 30d' })
    .describe(description)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 250ms, 30s, 2m, 1h or 30d, got "${text}"` });
        return z.NEVER;
      }
      if (!Number.isFinite(ms) || ms > max) {
        ctx.addIssue({ code: 'custom', message: `expected a duration of at most ${formatDuration(max)}, got "${text}"` });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: 'custom', message: `expected a duration of at least ${formatDuration(min)}, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$', examples: ['250ms', '30s', '2m'] });
}

/** A fraction written `5%` or `0.05`, parsed to a number between 0 and 1. */
export function fraction(description: string) {
  return z
    .union([z.number(), z.string()])
    .describe(description)
    .transform((value, ctx) => {
      const parsed = typeof value === 'number' ? value : parsePercent(value);
      if (parsed === undefined || parsed < 0 || parsed > 1) {
        ctx.addIssue({ code: 'custom', message: `expected a fraction from 0 to 1 or a percentage like 5%, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return parsed;
    });
}

/** A byte size written `512MiB`, `10GB` or a plain number of bytes. */
export function byteSize(description: string) {
  return z
    .union([z.number().int().nonnegative(), z.string()])
    .describe(description)
    .transform((value, ctx) => {
      const parsed = typeof value === 'number' ? value : parseSize(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a size like 512MiB or 10GB, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return parsed;
    });
}
