import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../plan/load.js';
import { sampleCondition, type ConditionDeps } from './alert-conditions.js';
import { HostUsage } from './host-usage.js';

let server: Server;
let base = '';
const queries: string[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/query') {
      let form = '';
      request.on('data', (chunk: Buffer) => (form += chunk.toString()));
      request.on('end', () => {
        queries.push(new URLSearchParams(form).get('query') ?? '');
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.7'] }] } }));
      });
    } else if (request.url === '/stats') response.end(JSON.stringify({ stats: { concept_ratio: 0.42, ratio_text: '1.5', none: null, items: [{ n: 7 }] } }));
    else if (request.url === '/down') response.writeHead(503).end('maintenance');
    else response.end('# HELP concept_ratio x\n# TYPE concept_ratio gauge\nconcept_ratio 0.42\njobs_total{state="failed"} 3\njobs_total{state="ok"} 10\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const deps = (over: Partial<ConditionDeps> = {}): ConditionDeps => ({
  servingMetric: () => Promise.resolve(0.2),
  checkDown: () => Promise.resolve({ down: false, detail: '' }),
  backupAgeMs: () => Promise.resolve(null),
  jobs: { jobNames: () => [], recentRuns: () => Promise.resolve([]) },
  recoveryPoints: () => Promise.resolve([]),
  host: new HostUsage(),
  planDir: '.',
  fill: (text) => text.replace('{service_url}', base),
  ...over,
});
const rule = (when: string) => parsePlan(`version: 1\nservice: s\nalerts:\n  - { name: r, when: ${when} }\n`, 'glidepath.yaml', {}).alerts[0]!;

describe('sampleCondition', () => {
  it('reads a built-in metric with its units', async () => {
    expect(await sampleCondition(rule('{ metric: error_rate, max: 5% }'), deps())).toEqual({ active: true, value: 0.2, detail: 'error_rate = 20% (max 5%)' });
  });

  it("reads a value the service publishes: a JSON path, and a series of its /metrics (seed 000's concept_ratio)", async () => {
    expect(await sampleCondition(rule('{ http: { url: "{service_url}/stats", json: "$.stats.concept_ratio" }, min: 0.5 }'), deps())).toMatchObject({ active: true, value: 0.42 });
    expect(await sampleCondition(rule('{ scrape: { url: "{service_url}/metrics", series: concept_ratio }, min: 0.4 }'), deps())).toMatchObject({ active: false, value: 0.42 });
    expect(await sampleCondition(rule('{ scrape: { url: "{service_url}/metrics", series: "jobs_total{state=\\"failed\\"}" }, max: 0 }'), deps())).toMatchObject({ active: true, value: 3 });
  });

  it('reads the published value through the metric provider: a number in a string, null as no data, errors named', async () => {
    expect(await sampleCondition(rule('{ http: { url: "{service_url}/stats", json: "stats.ratio_text" }, max: 1 }'), deps())).toMatchObject({ active: true, value: 1.5 });
    expect(await sampleCondition(rule('{ http: { url: "{service_url}/stats", json: "$.stats.none" }, max: 1 }'), deps())).toEqual({ active: false, value: null, detail: '$.stats.none: no data' });
    expect(await sampleCondition(rule('{ http: { url: "{service_url}/stats", json: "$.stats.missing" }, max: 1 }'), deps())).toEqual({
      error: `read $.stats.missing at ${base}/stats: the answer has nothing at $.stats.missing`,
    });
    expect(await sampleCondition(rule('{ scrape: { url: "{service_url}/down", series: concept_ratio }, max: 1 }'), deps())).toEqual({ error: `read concept_ratio at ${base}/down: HTTP 503` });
    expect(await sampleCondition(rule('{ scrape: { url: "{service_url}/metrics", series: absent_series }, max: 1 }'), deps())).toMatchObject({ active: false, value: null });
  });

  it("queries Prometheus through the metric provider, {service} and {interval} (the rule's interval) filled in", async () => {
    const plan = parsePlan(
      `version: 1\nservice: s\nalerts:\n  - { name: r, interval: 30s, when: { prometheus: { url: "${base}", query: 'rate(x{service="{service}"}[{interval}])' }, max: 0.5 } }\n`,
      'glidepath.yaml',
      {},
    );
    const fill = (text: string) => text.replace('{service}', 's');
    expect(await sampleCondition(plan.alerts[0]!, deps({ fill }))).toEqual({ active: true, value: 0.7, detail: 'prometheus query = 0.7 (max 0.5)' });
    expect(queries.at(-1)).toBe('rate(x{service="s"}[30s])');
  });

  it('fires on backup age over the RPO, and when there is no backup at all', async () => {
    expect(await sampleCondition(rule('{ backupAge: "*", max: 26h }'), deps({ backupAgeMs: () => Promise.resolve(27 * 3_600_000) }))).toMatchObject({ active: true });
    expect(await sampleCondition(rule('{ backupAge: "*", max: 26h }'), deps({ backupAgeMs: () => Promise.resolve(3_600_000) }))).toMatchObject({ active: false });
    expect(await sampleCondition(rule('{ backupAge: db, max: 26h }'), deps())).toMatchObject({ active: true });
  });

  it('samples a job condition and an rpo condition through their modules', async () => {
    const plan = parsePlan(
      'version: 1\nservice: s\njobs:\n  - { name: n, every: 1h, run: "true" }\nbackup: { sources: [{ name: db, sqlite: { path: a.db } }], store: { dir: b }, rpo: 1h }\nalerts:\n  - { name: j, job: { name: n } }\n  - { name: r, rpo: db }\n',
      'glidepath.yaml',
      {},
    );
    const jobs = { jobNames: () => ['n'], recentRuns: () => Promise.resolve([{ status: 'failed', startedAt: '', detail: 'exit 1' }]) };
    expect(await sampleCondition(plan.alerts[0]!, deps({ jobs }))).toMatchObject({ active: true, value: 1 });
    const recoveryPoints = () => Promise.resolve([{ source: 'db', rpoMs: 2 * 3_600_000, rpoTargetMs: 3_600_000 }]);
    expect(await sampleCondition(plan.alerts[1]!, deps({ recoveryPoints }))).toMatchObject({ active: true, value: 7_200_000 });
  });

  it('reads host resources as fractions', async () => {
    const sample = await sampleCondition(rule('{ host: disk, max: 100% }'), deps());
    expect(sample).toMatchObject({ active: false });
    expect('value' in sample && sample.value !== null && sample.value > 0 && sample.value <= 1).toBe(true);
  });

  it('an unreachable source is an error sample, not a throw', async () => {
    expect(await sampleCondition(rule('{ http: { url: "http://127.0.0.1:9/x", json: "a" }, max: 1 }'), deps())).toHaveProperty('error');
  });
});
