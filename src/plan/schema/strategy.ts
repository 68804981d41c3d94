/** `strategy:` how traffic moves to the new version: canary, blue-green or rolling. */
import { z } from 'zod';
import { durationMs } from '../../shared/units-schema.js';
import { benchUseSchema } from './bench.js';
import { exactlyOne, listenAddress, positiveInt, weightPercent } from './common.js';

const canaryStep = z
  .strictObject({
    weight: weightPercent('Percent of traffic the new version gets from this step on.').optional(),
    pause: z
      .union([durationMs('Wait this long (analysis keeps running).'), z.strictObject({}).describe('Wait for `glidepath promote`.')])
      .optional()
      .describe('Wait a duration, or `{}` for a person to run `glidepath promote`.'),
    bench: benchUseSchema.optional(),
  })
  .superRefine(exactlyOne(['weight', 'pause', 'bench'], 'a canary step'))
  .describe('One canary step: `weight`, `pause` or `bench`.');

const canarySchema = z
  .strictObject({
    steps: z.array(canaryStep).min(1, { error: 'expected at least one step' }).describe('Steps in order; after the last, the new version gets all traffic.'),
  })
  .describe('Shift traffic to the new version step by step while analysis watches.');

const blueGreenSchema = z
  .strictObject({
    preview: listenAddress('Address where the new version is served before the switch.').optional(),
    autoPromote: z.boolean().default(true).describe('Switch all traffic once verify and analysis pass; false waits for `glidepath promote`.'),
    previewFor: durationMs('How long analysis watches the preview before the switch.').prefault('0s'),
    keepOld: durationMs('How long the old version keeps running after the switch, for instant rollback.').prefault('10m'),
  })
  .describe('Run the new version beside the old one and switch all traffic at once.');

const rollingSchema = z
  .strictObject({
    batch: positiveInt('Instances replaced at a time.').default(1),
    pause: durationMs('Wait between batches (analysis keeps running).').prefault('0s'),
  })
  .describe('Replace instances batch by batch.');

export const strategySchema = z
  .strictObject({
    canary: canarySchema.optional(),
    bluegreen: blueGreenSchema.optional(),
    rolling: rollingSchema.optional(),
  })
  .superRefine(exactlyOne(['canary', 'bluegreen', 'rolling'], 'a strategy'))
  .describe('Exactly one of canary, bluegreen or rolling.');

/** `strategy:` as validated. */
export type StrategyConfig = z.output<typeof strategySchema>;
