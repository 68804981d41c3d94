import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckEntry } from '../../preflight/plan-checks.js';
import { parsePlan } from '../../plan/load.js';
import type { MetricProviderDeps, MetricSubject } from '../metric.js';
import { runMetricContract } from '../metric.contract.js';
import { createMetricProvider } from '../registry.js';

// A real version to check: answers /health 200 and /broken 500.
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 500;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Deps whose check runner runs the plan's real http checks against `{url}`, the subject's new version. */
function deps(): MetricProviderDeps {
  const plan = parsePlan(`version: 1
service: shop
checks:
  health: { http: { url: "{url}/health", status: 200 }, timeout: 2s }
  broken: { http: { url: "{url}/broken", status: 200 }, timeout: 2s }
`, "glidepath.yaml");
  return {
    service: 'shop',
    planDir: '.',
    observer: { type: 'test', serviceUrl: url, metrics: () => Promise.resolve(undefined) },
    async runCheck(name, subject, signal) {
      const entry = plan.checks[name];
      if (!entry) return { status: 'error', detail: `the plan has no check "${name}"` };
      return runCheckEntry(name, entry, { cwd: '.', variables: { url: subject.canary.url ?? '' }, signal });
    },
  };
}

const subject = (): MetricSubject => ({ canary: { version: 'v2', url }, stable: { version: 'v1' }, weight: 10, windowMs: 5000 });

runMetricContract({
  name: 'check',
  create: () =>
    Promise.resolve({
      provider: createMetricProvider('check', 'health', deps()),
      subject: subject(),
      expect: 'check' as const,
      unreachable: createMetricProvider('check', 'missing', deps()),
    }),
});

describe('the check metric provider', () => {
  it('turns the check\'s outcome against the new version into the measurement', async () => {
    const signal = new AbortController().signal;
    expect(await createMetricProvider('check', 'health', deps()).measure(subject(), { signal })).toMatchObject({ kind: 'check', status: 'pass' });
    const failed = await createMetricProvider('check', 'broken', deps()).measure(subject(), { signal });
    expect(failed).toMatchObject({ kind: 'check', status: 'fail' });
    expect(failed.kind === 'check' && failed.detail).toMatch(/500/);
  });
});
