/** `checks:` named probes, each of one kind, with timeout, retries and a monitor interval. */
import { z } from 'zod';
import { CHECK_KINDS, checkRegistry } from '../../checks/registry.js';
import { durationMs } from '../../shared/units-schema.js';
import { countInt, exactlyOne } from './common.js';

export const DEFAULT_CHECK_RETRIES = 0;

const kindFields = Object.fromEntries(
  CHECK_KINDS.map((kind) => [kind, checkRegistry[kind].schema.optional()]),
) as { [K in keyof typeof checkRegistry]: z.ZodOptional<(typeof checkRegistry)[K]['schema']> };

/** The fields every check has besides its kind. */
export const checkCommonFields = {
  timeout: durationMs('How long one attempt may take.').optional(),
  retries: countInt('Attempts after a failed one before the check fails; for a monitor, failed beats shown as pending before it is down.').default(DEFAULT_CHECK_RETRIES),
  interval: durationMs('How often the daemon runs this check as a monitor (`glidepath monitors`).').optional(),
  retryInterval: durationMs('How soon a monitor rechecks after a failure while `retries` remain (default: `interval`).').optional(),
};

/** One probe: exactly one kind key (`http`, `tcp`, …) plus the common fields. */
export const checkEntrySchema = z
  .strictObject({ ...checkCommonFields, ...kindFields })
  .superRefine(exactlyOne(CHECK_KINDS, 'a check kind'))
  .meta({ minProperties: 1 })
  .describe('A named probe of one kind.');

export const checksSchema = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'expected a check name of letters, digits, ".", "_" or "-"' }), checkEntrySchema)
  .describe('Named probes, referred to by name from preflight, analysis, verify and alerts.');

/** One named check as validated. */
export type CheckEntry = z.output<typeof checkEntrySchema>;

/** Kind of a validated check entry and its kind-specific configuration. */
export function checkKindOf(entry: CheckEntry): { kind: (typeof CHECK_KINDS)[number]; config: unknown } {
  for (const kind of CHECK_KINDS) {
    const config = entry[kind];
    if (config !== undefined) return { kind, config };
  }
  throw new Error('check entry without a kind (the schema should have refused it)');
}
