/** `alerts:` conditions held for a duration, with severity and what to do. */
import { z } from 'zod';
import { parseDuration, parsePercent } from '../../shared/duration.js';
import { parseJsonPath } from '../../checks/http/json-path.js';
import { parseSeriesSelector } from '../../shared/series-selector.js';
import { httpUrl } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { BUILTIN_METRICS, METRIC_UNITS } from './analysis.js';
import { commandLine, exactlyOne, refName } from './common.js';

export const DEFAULT_ALERT_INTERVAL_MS = 15_000;
export const DEFAULT_ALERT_REPEAT_INTERVAL = '4h';
export const DEFAULT_ALERT_GROUP_INTERVAL = '5m';

/** Where an alert's value comes from: exactly one of these under `when:`. */
const ALERT_SOURCES = ['metric', 'host', 'prometheus', 'http', 'scrape', 'backupAge'] as const;

const finite = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n : undefined);
const plainNumber = (v: number | string) => finite(typeof v === 'number' ? v : v.trim() === '' ? undefined : Number(v));
const SOURCE_UNITS: Record<Exclude<(typeof ALERT_SOURCES)[number], 'metric'>, { expected: string; parse: (v: number | string) => number | undefined }> = {
  host: { expected: 'a fraction from 0 to 1 like 0.9, or a percentage like 90%', parse: (v) => finite(typeof v === 'number' ? v : parsePercent(v)) },
  prometheus: { expected: 'a number', parse: plainNumber },
  http: { expected: 'a number', parse: plainNumber },
  scrape: { expected: 'a number', parse: plainNumber },
  backupAge: { expected: 'a duration like 26h', parse: (v) => (typeof v === 'string' ? finite(parseDuration(v)) : undefined) },
};

const when = z
  .strictObject({
    metric: z.enum(BUILTIN_METRICS).optional().describe('A built-in metric of the serving version (the one with the most traffic).'),
    host: z.enum(['cpu', 'memory', 'disk']).optional().describe("This host's CPU, memory or disk used, as a fraction of the whole."),
    path: z.string().optional().describe('For `host: disk`: the filesystem holding this path (default: the plan\'s directory).'),
    prometheus: z
      .strictObject({
        url: httpUrl('Prometheus base URL.', 'http://127.0.0.1:9090'),
        query: z.string().describe("PromQL returning one number (instant query); `{service}` and `{interval}` (the rule's interval as a PromQL duration, e.g. `15s`) are filled in."),
      })
      .optional()
      .describe('A PromQL query.'),
    http: z
      .strictObject({
        url: z.string().describe('URL answering JSON; `{service_url}` is filled in.'),
        json: z
          .string()
          .refine((path) => parseJsonPath(path) !== undefined, { error: 'expected a JSON path like $.stats.ratio or items[0].count' })
          .describe('Where the number is in the answer, as a dotted path like `$.stats.ratio` or `items[0].count`.'),
      })
      .optional()
      .describe('A number the service publishes at a JSON path of an HTTP endpoint.'),
    scrape: z
      .strictObject({
        url: z.string().describe('URL of a Prometheus text exposition (`/metrics`); `{service_url}` is filled in.'),
        series: z
          .string()
          .superRefine((text, ctx) => {
            const parsed = parseSeriesSelector(text);
            if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
          })
          .describe('A series name, optionally with label matchers: `concept_ratio` or `jobs_total{state="failed"}`; several matching series are summed.'),
      })
      .optional()
      .describe("A series of the service's own Prometheus metrics."),
    backupAge: z.string().optional().describe('A backup source under `backup.sources` (or `*` for any): fires when its newest good backup is older than `max` (the RPO).'),
    max: z.union([z.number(), z.string()]).optional().describe('Fires above this value.'),
    min: z.union([z.number(), z.string()]).optional().describe('Fires below this value.'),
  })
  .superRefine(exactlyOne(ALERT_SOURCES, 'a value source'))
  .superRefine(exactlyOne(['max', 'min'], 'a threshold'))
  .transform((w, ctx) => {
    const units = w.metric ? METRIC_UNITS[w.metric] : SOURCE_UNITS[ALERT_SOURCES.find((s) => s !== 'metric' && w[s] !== undefined) as keyof typeof SOURCE_UNITS];
    const read = (key: 'max' | 'min') => {
      const raw = w[key];
      if (raw === undefined || units === undefined) return undefined;
      const parsed = units.parse(raw);
      if (parsed === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `expected ${units.expected}, got ${JSON.stringify(raw)}` });
      return parsed;
    };
    return { ...w, max: read('max'), min: read('min') };
  })
  .describe('A condition on a value: fires while it is above `max` or below `min`.');

/** The conditions an alert rule may have: exactly one of these. */
export const ALERT_CONDITIONS = ['when', 'check', 'job', 'rpo'] as const;

const jobCondition = z
  .strictObject({
    name: z.string().min(1).describe('A job of the plan (its `jobs`, or `backup`, `backup.<source>`, `restore-drill`), or `*` for any job.'),
    failures: z.number().int().min(1).default(1).describe('Consecutive failed (or timed-out) runs that fire the alert; 1 fires on the last run failing. Skipped runs are left aside.'),
  })
  .describe('Fires while a job\'s last runs failed: the latest `failures` runs of the job (of any job, for `*`) all failed or timed out.');

const alertRule = z
  .strictObject({
    name: refName('Name of the alert (its `alertname` label).'),
    when: when.optional(),
    check: refName('A check that fires the alert while it is down (its monitor, when it has an `interval`; else it is run at each evaluation).').optional(),
    job: jobCondition.optional(),
    rpo: z
      .string()
      .min(1)
      .optional()
      .describe('A backup source under `backup.sources` (or `*` for every source): fires while its newest verified backup is older than `backup.rpo`, or it has none.'),
    for: durationMs('How long the condition must hold before the alert fires (pending meanwhile).').prefault('0s'),
    keepFiringFor: durationMs('How long a firing alert keeps firing after its condition cleared.').prefault('0s'),
    interval: durationMs('How often the rule is evaluated.').optional(),
    severity: z.enum(['info', 'warning', 'critical']).default('warning').describe('Severity (the `severity` label).'),
    labels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}).describe('Extra labels; values may use `{{ $value }}` and `{{ $labels.name }}`.'),
    annotations: z.record(z.string(), z.string()).default({}).describe('Texts sent with the alert (summary, description, runbook_url); templated like labels.'),
    notify: z.array(refName('A notifier under `notify:`.')).default([]).describe('Notifiers told when it fires and resolves.'),
    repeatInterval: durationMs('How often a still-firing alert is sent again.').prefault(DEFAULT_ALERT_REPEAT_INTERVAL),
    groupInterval: durationMs('After a notification, how long before a new firing of the alert is sent (damps a flapping condition).').prefault(DEFAULT_ALERT_GROUP_INTERVAL),
    do: z.enum(['rollback', 'run']).optional().describe('Action on firing: roll back the running release (or the last one), or run `run`.'),
    run: commandLine('Command for `do: run`.').optional(),
  })
  .superRefine(exactlyOne(ALERT_CONDITIONS, 'an alert condition'))
  .superRefine((rule, ctx) => {
    if (rule.do === 'run' && rule.run === undefined) ctx.addIssue({ code: 'custom', path: ['run'], message: 'expected a command for do: run' });
  })
  .describe('An alert rule.');

export const alertsSchema = z.array(alertRule).describe('Alert rules evaluated by the daemon.');

/** One alert rule as validated. */
export type AlertRule = z.output<typeof alertRule>;
