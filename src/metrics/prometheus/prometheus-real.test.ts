import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../../testing/require-program.js';
import { queryPrometheus } from './prometheus-query.js';
import { freePort } from '../../shared/free-port.js';

const { paths, missing } = requirePrograms('prometheus');

describe.skipIf(missing)(`queryPrometheus against a real Prometheus${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-prom-'));
    await writeFile(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\nscrape_configs: []\n');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      paths.prometheus as string,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; attempt < 150; attempt++) {
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('prometheus did not become ready in 15s');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a one-series vector, a scalar, and an empty answer as no data', async () => {
    expect(await queryPrometheus(url, 'vector(0.02)')).toEqual({ kind: 'value', value: 0.02, samples: 1 });
    expect(await queryPrometheus(url, 'scalar(vector(0.5))')).toEqual({ kind: 'value', value: 0.5, samples: 1 });
    expect(await queryPrometheus(url, 'up{job="nothing-here"}')).toEqual({ kind: 'value', value: null, samples: 0 });
  });

  it('turns a PromQL error into an error sample with Prometheus\' words', async () => {
    const sample = await queryPrometheus(url, 'sum(');
    expect(sample.kind).toBe('error');
    expect(sample.kind === 'error' && sample.detail).toMatch(/^query prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: HTTP 400: .*parse error/);
  });
});
