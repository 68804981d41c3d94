/** `analysis.metrics[]` sources `prometheus:` and `published:` as the plan loader reads them, with located errors. */
import { describe, expect, it } from 'vitest';
import { PlanError, formatPlanIssue } from '../../shared/errors.js';
import { parsePlan } from '../load.js';

const plan = (metric: string) => `version: 1\nservice: s\nanalysis:\n  metrics:\n    - ${metric}\n`;

function problems(text: string): string[] {
  try {
    parsePlan(text, 'glidepath.yaml', {});
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map(formatPlanIssue);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

describe('analysis metric sources', () => {
  it('reads a range query and a published value with their defaults, durations in milliseconds', () => {
    const metrics = [
      parsePlan(plan('{ name: p, prometheus: { url: "http://127.0.0.1:9090", query: "up", range: 1m, step: 5s, reduce: mean }, max: 1 }'), 'glidepath.yaml', {}),
      parsePlan(plan('{ name: q, prometheus: { url: "http://127.0.0.1:9090", query: "up", timeout: 2s } }'), 'glidepath.yaml', {}),
      parsePlan(plan('{ name: j, published: { url: "{url}/stats", jsonPath: "$.errors.rate" }, max: 0.05 }'), 'glidepath.yaml', {}),
      parsePlan(plan('{ name: s, published: { url: "{url}/metrics", series: \'jobs_total{state=~"fail.*"}\' }, max: 3 }'), 'glidepath.yaml', {}),
    ].map((parsed) => parsed.analysis?.metrics[0]);
    expect(metrics[0]?.prometheus).toEqual({ url: 'http://127.0.0.1:9090', query: 'up', range: 60_000, step: 5_000, reduce: 'mean', timeout: 10_000 });
    expect(metrics[1]?.prometheus).toEqual({ url: 'http://127.0.0.1:9090', query: 'up', timeout: 2_000 });
    expect(metrics[2]?.published).toEqual({ url: '{url}/stats', jsonPath: '$.errors.rate', timeout: 10_000 });
    expect(metrics[3]?.published?.series).toBe('jobs_total{state=~"fail.*"}');
  });

  it.each([
    ['{ name: p, prometheus: { url: "http://h:9090", query: "up", step: 5s } }', /^glidepath\.yaml:5:\d+ analysis\.metrics\[0\]\.prometheus\.step: `step` applies to range queries only: set `range`, got "5s"$/],
    ['{ name: p, prometheus: { url: "http://h:9090", query: "up", range: 5s, step: 1m } }', /analysis\.metrics\[0\]\.prometheus\.step: expected a `step` no longer than `range`/],
    ['{ name: p, prometheus: { url: "http://h:9090", query: "  " } }', /analysis\.metrics\[0\]\.prometheus\.query: expected a PromQL query/],
    ['{ name: p, prometheus: { url: "http://h:9090", query: "up", reduce: median, range: 1m } }', /analysis\.metrics\[0\]\.prometheus\.reduce: expected one of max, min, mean, last, got "median"/],
    ['{ name: p, prometheus: { url: "http://h:9090", query: "up", timeout: 10m } }', /analysis\.metrics\[0\]\.prometheus\.timeout: expected a duration of at most 5m/],
    ['{ name: j, published: { url: "{url}/stats" } }', /analysis\.metrics\[0\]\.published: expected what to read: one of jsonPath, series/],
    ['{ name: j, published: { url: "{url}/stats", jsonPath: "$.a", series: "x" } }', /analysis\.metrics\[0\]\.published: expected what to read: only one of jsonPath, series/],
    ['{ name: j, published: { url: "{url}/stats", jsonPath: "$.a[x" } }', /analysis\.metrics\[0\]\.published\.jsonPath: expected a JSON path like/],
    ['{ name: j, published: { url: "{url}/m", series: "x{code=500}" } }', /analysis\.metrics\[0\]\.published\.series: expected label matchers like code="500"/],
    ['{ name: j, published: { url: "{url}/m", series: \'x{code=~"("}\' } }', /analysis\.metrics\[0\]\.published\.series: the pattern of code=~"\(" is not a regular expression/],
    ['{ name: j, published: { url: "ftp://h/m", series: "x" } }', /analysis\.metrics\[0\]\.published\.url: expected an http\(s\) URL/],
    ['{ name: j, published: { url: "{url}/m", series: "x" }, metric: p95 }', /analysis\.metrics\[0\]: expected a metric source: only one of metric, published/],
  ])('refuses %s with a located error', (metric, message) => {
    const found = problems(plan(metric));
    expect(found.some((line) => message.test(line)), found.join('\n')).toBe(true);
  });
});
