/** `verify:` what must hold after traffic moved: named checks or inline probes. */
import { z } from 'zod';
import { CHECK_KINDS, checkRegistry } from '../../checks/registry.js';
import { benchUseSchema } from './bench.js';
import { checkCommonFields } from './checks.js';
import { exactlyOne, refName } from './common.js';

const kindFields = Object.fromEntries(CHECK_KINDS.map((kind) => [kind, checkRegistry[kind].schema.optional()])) as {
  [K in keyof typeof checkRegistry]: z.ZodOptional<(typeof checkRegistry)[K]['schema']>;
};

export const verifyItemSchema = z
  .strictObject({
    check: refName('A check under `checks:`.').optional(),
    bench: benchUseSchema.optional(),
    ...checkCommonFields,
    ...kindFields,
  })
  .superRefine(exactlyOne(['check', 'bench', ...CHECK_KINDS], 'a verify item'))
  .describe("A named check, an inline probe of any check kind, or `bench: {}` (the plan's load test against the new version).");

export const verifySchema = z.array(verifyItemSchema).describe('Post-deploy verification; a failure rolls the release back.');

/** One verify item as validated. */
export type VerifyItem = z.output<typeof verifyItemSchema>;
