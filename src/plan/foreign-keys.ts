/**
 * Keys that Argo Rollouts and Flagger users write from habit, and what glidepath calls the same idea. An
 * unknown key that is one of these gets this hint instead of a spelling guess.
 */
import type { KeyPath } from './yaml-path.js';

interface ForeignKey {
  key: string;
  /** Only under a parent path matching this (segments joined by ".", list items as "[]"). */
  under?: RegExp;
  hint: string;
}

const STEPS = 'glidepath has no step size or ceiling: list each weight under strategy.canary.steps, e.g. `- weight: 10`, `- pause: 1m`, `- weight: 50`; after the last step the new version gets all traffic';
const BOUND = 'write the bound on the metric as `max` (fails above it) or `min` (fails below it)';

const FOREIGN_KEYS: readonly ForeignKey[] = [
  { key: 'setWeight', hint: 'did you mean "weight"? (a canary step is `- weight: 10`)' },
  { key: 'stepWeight', hint: STEPS },
  { key: 'stepWeights', hint: STEPS },
  { key: 'maxWeight', hint: STEPS },
  { key: 'duration', under: /pause$/, hint: 'write the duration as the pause itself: `- pause: 1m` (or `- pause: {}` to wait for `glidepath promote`)' },
  { key: 'threshold', under: /metrics\.\[\]$/, hint: `${BOUND}; \`failureLimit\` is how many failed measurements are tolerated` },
  { key: 'threshold', hint: 'did you mean "failureLimit"? (set on each metric under analysis.metrics: failed measurements tolerated before the release rolls back)' },
  { key: 'thresholdRange', hint: BOUND },
  { key: 'successCondition', hint: BOUND },
  { key: 'failureCondition', hint: BOUND },
  { key: 'interval', under: /metrics\.\[\]$/, hint: 'every metric is measured at analysis.interval; set it once there' },
  { key: 'interval', under: /^strategy/, hint: 'measurements are taken at analysis.interval; a wait between steps is a `- pause: 1m` step' },
  { key: 'count', under: /metrics\.\[\]$/, hint: 'a metric is measured every analysis.interval for as long as the rollout runs; there is no count' },
  { key: 'iterations', hint: 'for blue-green, use strategy.bluegreen.previewFor (how long analysis watches the preview before the switch)' },
  { key: 'templates', hint: 'glidepath has no analysis templates: list the measurements under analysis.metrics' },
  { key: 'templateName', hint: 'glidepath has no analysis templates: list the measurements under analysis.metrics' },
  { key: 'provider', under: /metrics\.\[\]$/, hint: 'name the source on the metric itself: `prometheus: { url, query }`, `metric: p95`, or `check: health`' },
  { key: 'address', under: /prometheus$/, hint: 'did you mean "url"?' },
  { key: 'autoPromotionEnabled', hint: 'did you mean "autoPromote"? (under strategy.bluegreen)' },
  { key: 'autoPromotionSeconds', hint: 'did you mean "previewFor"? (how long analysis watches the preview before the switch)' },
  { key: 'scaleDownDelaySeconds', hint: 'did you mean "keepOld"? (how long the old version keeps running after the switch, as a duration like 10m)' },
  { key: 'previewService', hint: 'did you mean "preview"? (the address where the new version is served before the switch)' },
  { key: 'maxSurge', hint: 'did you mean "batch"? (under strategy.rolling: instances replaced at a time)' },
  { key: 'maxUnavailable', hint: 'did you mean "batch"? (under strategy.rolling: instances replaced at a time)' },
  { key: 'webhooks', hint: 'run checks or commands before a release under `preflight`, and after traffic moved under `verify`' },
];

const parentOf = (path: KeyPath) => path.map((segment) => (typeof segment === 'number' ? '[]' : segment)).join('.');

/** The hint for an unknown key at `path` (the key's own path) that another rollout tool uses, if any. */
export function foreignKeyHint(path: KeyPath): string | undefined {
  const key = path[path.length - 1];
  if (typeof key !== 'string') return undefined;
  const parent = parentOf(path.slice(0, -1));
  return FOREIGN_KEYS.find((entry) => entry.key === key && (entry.under === undefined || entry.under.test(parent)))?.hint;
}
