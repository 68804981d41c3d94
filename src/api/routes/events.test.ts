/** The event stream ends when the server closes, so a daemon stops at once with followers attached. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../testing/test-api.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(() => api.close());

describe('GET /v1/events', () => {
  it('ends open streams when the server closes: close() returns promptly and the client sees the end', async () => {
    const { app, tokens } = api;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/v1/events`, { headers: { authorization: `Bearer ${tokens.read}` }, signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': glidepath events');

    const started = performance.now();
    await app.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    let done = false;
    for (let i = 0; i < 10 && !done; i++) done = (await reader.read()).done;
    expect(done).toBe(true);
  });
});
