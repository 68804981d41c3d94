/** The demo's project: a plan and four release directories of the sample service, in a temp directory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sample service shipped with glidepath (assets/sample-service.mjs). */
export const SAMPLE_SERVICE = fileURLToPath(new URL('../../assets/sample-service.mjs', import.meta.url));

/** One release of the demo and what it is expected to end as. */
export interface DemoRelease {
  version: string;
  story: string;
  settings: Record<string, number>;
  expect: 'succeeded' | 'rolled_back';
}

export const DEMO_RELEASES: readonly DemoRelease[] = [
  { version: 'v1', story: 'first release: v1 starts and takes all traffic', settings: {}, expect: 'succeeded' },
  { version: 'v2', story: 'a good canary: promoted step by step', settings: {}, expect: 'succeeded' },
  { version: 'v3', story: 'a canary answering 5% of requests with 500: rolled back on error_rate', settings: { ERROR_RATE: 0.05 }, expect: 'rolled_back' },
  { version: 'v4', story: 'a canary 300 ms slower: rolled back on p95', settings: { EXTRA_LATENCY_MS: 300 }, expect: 'rolled_back' },
];

const quote = (text: string) => JSON.stringify(text);

/** The demo's plan: a canary with analysis of error rate and p95, and a health check verify. */
export function demoPlan(ports: { daemon: number; proxy: number }): string {
  return `# glidepath demo: a service released four times on this machine.
version: 1
service: demo-shop
daemon: { listen: "127.0.0.1:${ports.daemon}" }

target:
  type: process
  listen: "127.0.0.1:${ports.proxy}"
  start: ${quote(`${quote(process.execPath)} ${quote(SAMPLE_SERVICE)} --version {version}`)}
  cwd: ./releases/{version}
  ready: { path: /health, timeout: 20s, interval: 100ms }
  drain: 2s
  versionHeader: X-Glidepath-Version

checks:
  health: { http: { url: "{url}/health", status: 200, maxLatency: 500ms } }
  disk: { disk: { path: ., maxUsedPercent: 98 } }

preflight:
  - check: disk

strategy:
  canary:
    steps:
      - weight: 10
      - pause: 4s
      - weight: 30
      - pause: 4s
      - weight: 60
      - pause: 3s

analysis:
  interval: 2s
  minRequests: 15
  metrics:
    - { name: errors, metric: error_rate, max: 1% }
    - { name: latency, metric: p95, max: 150ms }

verify:
  - check: health
  - http: { url: "{service_url}/", status: 200, maxLatency: 500ms }
`;
}

/** Writes the plan and one directory per release (its service.json decides how that version behaves). */
export function writeDemoProject(dir: string, ports: { daemon: number; proxy: number }): string {
  for (const release of DEMO_RELEASES) {
    const releaseDir = join(dir, 'releases', release.version);
    mkdirSync(releaseDir, { recursive: true });
    writeFileSync(join(releaseDir, 'service.json'), `${JSON.stringify(release.settings)}\n`);
  }
  const plan = join(dir, 'glidepath.yaml');
  writeFileSync(plan, demoPlan(ports));
  return plan;
}
