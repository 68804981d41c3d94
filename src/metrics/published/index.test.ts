import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedSourceSchema } from '../../plan/schema/metric-sources.js';
import { freePort } from '../../shared/free-port.js';
import { startTestService, type RunningTestService } from '../../testing/test-service.js';
import type { MetricProviderDeps, MetricSample, MetricSubject } from '../metric.js';
import { runMetricContract } from '../metric.contract.js';
import { createMetricProvider } from '../registry.js';

// The real sample service publishes its own counts on /stats (JSON) and /metrics (Prometheus text); a second
// loopback server answers what a service should not (non-JSON, a missing path, a string, an error status).
let service: RunningTestService;
let odd: Server;
let oddUrl = '';
let closedUrl = '';

beforeAll(async () => {
  service = await startTestService({ VERSION: 'v2', ERROR_RATE: '0.5' });
  for (let i = 0; i < 40; i++) await fetch(`${service.url}/`).then((r) => r.text());
  odd = createServer((req, res) => {
    const answers: Record<string, [number, string]> = {
      '/text': [200, 'hello'],
      '/json': [200, JSON.stringify({ a: { rate: '0.25', word: 'high', none: null } })],
      '/down': [503, '{}'],
      '/auth': [req.headers.authorization === `Basic ${Buffer.from('me:pa55').toString('base64')}` ? 200 : 401, '{"n":1}'],
    };
    const [status, body] = answers[req.url ?? ''] ?? [404, '{}'];
    res.statusCode = status;
    res.end(body);
  });
  await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
  closedUrl = `http://127.0.0.1:${await freePort()}`;
});

afterAll(async () => {
  await service.stop();
  await new Promise<void>((resolve) => odd.close(() => resolve()));
});

const deps: MetricProviderDeps = {
  service: 'shop',
  planDir: '.',
  observer: { type: 'process', serviceUrl: 'http://127.0.0.1:1', metrics: () => Promise.resolve(undefined) },
  runCheck: () => Promise.resolve({ status: 'error', detail: 'no checks here' }),
};

const subject = (url: string | undefined): MetricSubject => ({ canary: { version: 'v2', url }, stable: { version: 'v1' }, weight: 10, windowMs: 5000 });
const published = (settings: Record<string, unknown>) => createMetricProvider('published', publishedSourceSchema.parse(settings), deps);
const read = (settings: Record<string, unknown>, url = service.url): Promise<MetricSample> =>
  published(settings).measure(subject(url), { signal: new AbortController().signal });

runMetricContract({
  name: 'published (JSON path)',
  create: () =>
    Promise.resolve({
      provider: published({ url: '{url}/stats', jsonPath: '$.errorRate' }),
      subject: subject(service.url),
      expect: 'value' as const,
      unreachable: published({ url: `${closedUrl}/stats`, jsonPath: '$.errorRate' }),
    }),
});

runMetricContract({
  name: 'published (exposition series)',
  create: () =>
    Promise.resolve({
      provider: published({ url: '{url}/metrics', series: 'sample_requests_total{code=~"5.."}' }),
      subject: subject(service.url),
      expect: 'value' as const,
      unreachable: published({ url: `http://me:pa55@127.0.0.1:${closedUrl.split(':').at(-1) ?? ''}/metrics`, series: 'x' }),
      secrets: ['pa55'],
    }),
});

describe('the published metric provider', () => {
  it('reads the number at a JSON path of the new version\'s own answer', async () => {
    const stats = (await (await fetch(`${service.url}/stats`)).json()) as { requests: number; errors: number; errorRate: number };
    expect(stats.requests).toBeGreaterThanOrEqual(40);
    expect(await read({ url: '{url}/stats', jsonPath: '$.requests' })).toEqual({ kind: 'value', value: stats.requests, samples: 1 });
    const rate = await read({ url: '{url}/stats', jsonPath: 'errorRate' });
    expect(rate.kind === 'value' && rate.value).toBeGreaterThan(0.2);
  });

  it('sums the series of the exposition the matchers select; none selected is no data', async () => {
    const stats = (await (await fetch(`${service.url}/stats`)).json()) as { requests: number; errors: number };
    expect(await read({ url: '{url}/metrics', series: 'sample_requests_total' })).toMatchObject({ kind: 'value', value: stats.requests });
    expect(await read({ url: '{url}/metrics', series: 'sample_requests_total{code=~"5..",version="v2"}' })).toEqual({ kind: 'value', value: stats.errors, samples: 1 });
    expect(await read({ url: '{url}/metrics', series: 'sample_requests_total{code!="500"}' })).toMatchObject({ value: stats.requests - stats.errors });
    expect(await read({ url: '{url}/metrics', series: 'sample_requests_total{code="404"}' })).toEqual({ kind: 'value', value: null, samples: 0 });
    // `{version}` in a label value is the new version's.
    expect(await read({ url: '{url}/metrics', series: 'sample_requests_total{version="{version}"}' })).toMatchObject({ kind: 'value', value: stats.requests });
    expect(await read({ url: '{url}/metrics', series: 'sample_requests_total{version!="{version}"}' })).toMatchObject({ kind: 'value', value: null });
  });

  it('reads a numeric string as its number, null as no data, and anything else as an error that says why', async () => {
    expect(await read({ url: '{url}/json', jsonPath: '$.a.rate' }, oddUrl)).toEqual({ kind: 'value', value: 0.25, samples: 1 });
    expect(await read({ url: '{url}/json', jsonPath: '$.a.none' }, oddUrl)).toEqual({ kind: 'value', value: null, samples: 0 });
    expect(await read({ url: '{url}/json', jsonPath: '$.a.word' }, oddUrl)).toEqual({ kind: 'error', detail: `read $.a.word at ${oddUrl}/json: expected a number at $.a.word, got "high"` });
    expect(await read({ url: '{url}/json', jsonPath: '$.b' }, oddUrl)).toEqual({ kind: 'error', detail: `read $.b at ${oddUrl}/json: the answer has nothing at $.b` });
    expect(await read({ url: '{url}/text', jsonPath: '$.a' }, oddUrl)).toEqual({ kind: 'error', detail: `read $.a at ${oddUrl}/text: the answer is not JSON: hello` });
    expect(await read({ url: '{url}/down', jsonPath: '$.a' }, oddUrl)).toEqual({ kind: 'error', detail: `read $.a at ${oddUrl}/down: HTTP 503` });
  });

  it('sends credentials of the URL as Basic auth, never shows them, and errors without a {url} to fill in', async () => {
    const withUser = oddUrl.replace('http://', 'http://me:pa55@');
    expect(await read({ url: `${withUser}/auth`, jsonPath: '$.n' })).toEqual({ kind: 'value', value: 1, samples: 1 });
    const refused = await read({ url: withUser.replace('pa55', 'wrong') + '/auth', jsonPath: '$.n' });
    expect(refused).toEqual({ kind: 'error', detail: `read $.n at ${oddUrl}/auth: HTTP 401` });
    expect(await published({ url: '{url}/stats', jsonPath: '$.n' }).measure(subject(undefined), { signal: new AbortController().signal })).toEqual({
      kind: 'error',
      detail: 'the process target gives no direct address of v2 for {url}',
    });
  });
});
