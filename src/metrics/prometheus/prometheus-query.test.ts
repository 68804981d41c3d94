import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPrometheus } from './prometheus-query.js';

// A loopback server speaking Prometheus' HTTP API shape: the answer is chosen by the query text.
const answers: Record<string, { status: number; body: unknown }> = {
  scalar: { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1700000000, '0.02'] } } },
  one: { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, '0.5'] }] } } },
  none: { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } },
  nan: { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, 'NaN'] }] } } },
  two: { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ value: [1, '1'] }, { value: [1, '2'] }] } } },
  matrix: { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } },
  range: { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, '0.1'], [2, 'NaN'], [3, '0.4'], [4, '0.2']] }] } } },
  rangeNone: { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } },
  rangeNaN: { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, 'NaN']] }] } } },
  rangeTwo: { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [{ values: [] }, { values: [] }] } } },
  bad: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' } },
};

let server: Server;
let url = '';
const seen: string[] = [];
const forms: URLSearchParams[] = [];
const auth: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const query = form.get('query') ?? '';
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${query}`);
      forms.push(form);
      auth.push(req.headers.authorization ?? '');
      if (query === 'slow') return; // never answers: the caller's timeout ends it
      const answer = answers[query] ?? { status: 200, body: 'not json' };
      res.statusCode = answer.status;
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('queryPrometheus', () => {
  it('posts an instant query to /api/v1/query and reads a scalar', async () => {
    expect(await queryPrometheus(`${url}/`, 'scalar')).toEqual({ kind: 'value', value: 0.02, samples: 1 });
    expect(seen.at(-1)).toBe('POST /api/v1/query scalar');
  });

  it.each([
    ['one', { kind: 'value', value: 0.5, samples: 1 }],
    ['none', { kind: 'value', value: null, samples: 0 }],
    ['nan', { kind: 'value', value: null, samples: 0 }],
  ])('reads a vector answer (%s)', async (query, sample) => {
    expect(await queryPrometheus(url, query)).toEqual(sample);
  });

  it.each([
    ['two', 'the query returned 2 series; expected one number'],
    ['matrix', 'the query returned a matrix result; expected a scalar or one series'],
    ['bad', 'HTTP 400: parse error at char 3'],
    ['garbage', 'HTTP 200, not JSON: not json'],
  ])('answers %s with an error sample that says why', async (query, detail) => {
    const sample = await queryPrometheus(url, query);
    expect(sample).toEqual({ kind: 'error', detail: `query prometheus at ${url}/api/v1/query: ${detail}` });
  });

  it('reports an unreachable Prometheus as an error sample, not a throw', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sample = await queryPrometheus(`http://127.0.0.1:${port}`, 'scalar');
    expect(sample.kind).toBe('error');
    expect(sample.kind === 'error' && sample.detail).toContain(`query prometheus at http://127.0.0.1:${port}/api/v1/query`);
  });
});

describe('queryPrometheus over a range', () => {
  const range = (reduce: 'max' | 'min' | 'mean' | 'last') => ({ rangeMs: 60_000, stepMs: 5000, reduce, endMs: 1_700_000_000_000 });

  it('posts to /api/v1/query_range with start, end and step, and reduces the points, skipping NaN', async () => {
    expect(await queryPrometheus(url, 'range', { range: range('max') })).toEqual({ kind: 'value', value: 0.4, samples: 3 });
    expect(seen.at(-1)).toBe('POST /api/v1/query_range range');
    expect(Object.fromEntries(forms.at(-1) ?? [])).toMatchObject({ start: '1699999940', end: '1700000000', step: '5s' });
    expect(await queryPrometheus(url, 'range', { range: range('min') })).toMatchObject({ value: 0.1 });
    expect(await queryPrometheus(url, 'range', { range: range('last') })).toMatchObject({ value: 0.2 });
    const mean = await queryPrometheus(url, 'range', { range: range('mean') });
    expect(mean.kind === 'value' && mean.value).toBeCloseTo(0.7 / 3, 12);
  });

  it('reads an empty range, or one of only NaN, as no data; two series or an instant answer as an error', async () => {
    expect(await queryPrometheus(url, 'rangeNone', { range: range('max') })).toEqual({ kind: 'value', value: null, samples: 0 });
    expect(await queryPrometheus(url, 'rangeNaN', { range: range('max') })).toEqual({ kind: 'value', value: null, samples: 0 });
    expect(await queryPrometheus(url, 'rangeTwo', { range: range('max') })).toMatchObject({ kind: 'error', detail: expect.stringMatching(/returned 2 series; expected one$/) as unknown });
    expect(await queryPrometheus(url, 'one', { range: range('max') })).toMatchObject({ kind: 'error', detail: expect.stringMatching(/returned a vector result; expected a matrix$/) as unknown });
  });
});

describe('queryPrometheus limits', () => {
  it('gives up after its timeout with an error sample, and tells Prometheus the timeout too', async () => {
    const started = performance.now();
    const sample = await queryPrometheus(url, 'slow', { timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(sample).toEqual({ kind: 'error', detail: `query prometheus at ${url}/api/v1/query: no answer within 300 ms` });
    expect(forms.at(-1)?.get('timeout')).toBe('1s');
  });

  it('sends a URL\'s user and password as Basic auth and never shows them', async () => {
    const withUser = url.replace('http://', 'http://reader:s3cret@');
    expect(await queryPrometheus(withUser, 'one')).toMatchObject({ kind: 'value', value: 0.5 });
    expect(auth.at(-1)).toBe(`Basic ${Buffer.from('reader:s3cret').toString('base64')}`);
    const failed = await queryPrometheus(withUser, 'bad');
    expect(JSON.stringify(failed)).not.toContain('s3cret');
    expect(failed).toEqual({ kind: 'error', detail: `query prometheus at ${url}/api/v1/query: HTTP 400: parse error at char 3` });
  });
});
