/**
 * The real layer of the detection benchmark: one case through real processes — two processes of the tiny app
 * (app.mjs; the canary with the regression injected), glidepath's proxy on its worker thread as the daemon runs it
 * (ProxyHost) with the canary at its weight, and steady keep-alive load from src/load through the proxy. At every
 * look (analysis.lookEvery) the proxy's counters feed the sequential judge, and at every interval's end its window
 * over the interval feeds both threshold judges, exactly as analysis reads them; the weights stay put, so all judges see the same traffic until each has
 * decided (the time the engine then takes to move the weights is bench/rollback's subject).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProxyHost, type ProxyMetricsSnapshot } from '../../src/proxy/index.js';
import { Load } from '../../src/load/steady-load.js';
import { versionCounters } from '../../src/targets/process/version-counters.js';
import type { CountersReading } from '../../src/analysis/sequential-compare.js';
import type { Regression } from './cases.js';
import { SequentialJudge, ThresholdJudge } from './judges.js';
import { looksPerInterval, type Detection, type SimulationSettings } from './simulate.js';
import type { VersionBehaviour } from './streams.js';

const APP = fileURLToPath(new URL('./app.mjs', import.meta.url));

/** How the real load is generated. */
export interface RealLoad {
  clients: number;
  gapMs: number;
  /** Intervals to watch at most. */
  maxIntervals: number;
}

/** What the judges decided on one real case, and the load that ran. */
export interface RealOutcome {
  sequential: Detection | null;
  threshold: Detection | null;
  calibrated: Detection | null;
  rps: number;
  canaryShare: number;
  /** Requests that got no answer at all (should be 0: nothing here is glidepath's failure). */
  connectionErrors: number;
  reason: string;
}

interface App {
  child: ChildProcess;
  port: number;
}

function startApp(version: string, behaviour: VersionBehaviour): Promise<App> {
  const latency = behaviour.latency ?? { medianMs: 1, sigma: 0 };
  const env = {
    ...process.env,
    VERSION: version,
    ERROR_RATE: String(behaviour.errorRate),
    MEDIAN_MS: String(latency.medianMs),
    SIGMA: String(latency.sigma),
    FACTOR: String(latency.factor ?? 1),
    ADD_MS: String(latency.addMs ?? 0),
  };
  const child = spawn(process.execPath, [APP], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app ${version} did not listen within 15 s`)), 15_000);
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app ${version} exited (${String(code)}) before listening`));
    });
  });
}

async function stopApp(app: App): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  const exited = new Promise((resolve) => app.child.once('exit', resolve));
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function readingOf(snapshot: ProxyMetricsSnapshot): CountersReading {
  const totals = (version: string) => {
    const found = snapshot.versions.find((v) => v.version === version);
    if (!found) throw new Error(`the proxy reports no version ${version}`);
    return versionCounters(found.totals);
  };
  return { canary: { version: 'canary', totals: totals('canary') }, stable: { version: 'stable', totals: totals('stable') } };
}

/** Runs one case through the real proxy and processes until every judge has decided or `maxIntervals` passed. */
export async function runRealCase(regression: Regression, weightPercent: number, settings: SimulationSettings, calibratedMax: number, load: RealLoad): Promise<RealOutcome> {
  const apps: App[] = [];
  let host: ProxyHost | undefined;
  let traffic: Load | undefined;
  try {
    apps.push(await startApp('stable', regression.stable), await startApp('canary', regression.canary));
    host = await ProxyHost.start({ host: '127.0.0.1', port: 0, seed: settings.seed });
    await host.setRoutes({
      versions: [
        { version: 'stable', weight: 100 - weightPercent, instances: [{ host: '127.0.0.1', port: apps[0]!.port }] },
        { version: 'canary', weight: weightPercent, instances: [{ host: '127.0.0.1', port: apps[1]!.port }] },
      ],
    });
    const intervalMs = settings.intervalSeconds * 1_000;
    traffic = Load.start({ url: `http://127.0.0.1:${host.address.port}/`, clients: load.clients, gapMs: load.gapMs, maxSeconds: (load.maxIntervals + 3) * settings.intervalSeconds });
    await traffic.waitForRequests(200, 30_000);
    traffic.reset();
    const start = readingOf(await host.getMetrics(settings.intervalSeconds));
    const startedAt = Date.now();
    const judges = {
      sequential: new SequentialJudge(regression.kind, settings, start),
      threshold: new ThresholdJudge(regression.kind, { max: regression.threshold, failureLimit: settings.thresholdFailureLimit, minRequests: settings.minRequests }),
      calibrated: new ThresholdJudge(regression.kind, { max: calibratedMax, failureLimit: settings.thresholdFailureLimit, minRequests: settings.minRequests }),
    };
    const decided: Partial<Record<keyof typeof judges, Detection | null>> = {};
    // The sequential judge reads the counters at every look (analysis.lookEvery), the threshold judges each interval.
    const looks = looksPerInterval(settings);
    const lookMs = intervalMs / looks;
    for (let tick = 1; tick <= load.maxIntervals * looks && Object.keys(decided).length < 3; tick++) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + tick * lookMs - Date.now())));
      const snapshot = await host.getMetrics(settings.intervalSeconds);
      const reading = readingOf(snapshot);
      const here: Detection = {
        canaryRequests: reading.canary.totals.requests - start.canary.totals.requests,
        failures: reading.canary.totals.errors - start.canary.totals.errors,
        seconds: (Date.now() - startedAt) / 1_000,
      };
      if (decided.sequential === undefined && judges.sequential.observe(reading)) decided.sequential = here;
      if (tick % looks !== 0) continue;
      const window = snapshot.versions.find((v) => v.version === 'canary')?.window;
      const requests = (window?.requests ?? 0) + (window?.connectionFailures ?? 0);
      const value = regression.kind === 'errors' ? (window?.errorRate ?? null) : (window?.p95 ?? null);
      if (decided.threshold === undefined && judges.threshold.observe(value, requests)) decided.threshold = here;
      if (decided.calibrated === undefined && judges.calibrated.observe(value, requests)) decided.calibrated = here;
    }
    const report = await traffic.stop();
    traffic = undefined;
    return {
      sequential: decided.sequential ?? null,
      threshold: decided.threshold ?? null,
      calibrated: decided.calibrated ?? null,
      rps: report.requests / report.seconds,
      canaryShare: (report.byVersion.canary?.requests ?? 0) / Math.max(1, report.requests),
      connectionErrors: report.connectionErrorCount,
      reason: judges.sequential.reason,
    };
  } finally {
    await traffic?.stop();
    await host?.close(1_000);
    for (const app of apps) await stopApp(app);
  }
}
