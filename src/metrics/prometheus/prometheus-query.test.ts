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
  bad: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' } },
};

let server: Server;
let url = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const query = new URLSearchParams(body).get('query') ?? '';
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${query}`);
      const answer = answers[query] ?? { status: 200, body: 'not json' };
      res.statusCode = answer.status;
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
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
