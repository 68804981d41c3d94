/** The daemon's Prometheus registry: the proxy's request metrics, glidepath's own, and the process's. */
import { Counter, Gauge, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { ProxyMetricsExporter, type ProxyMetricsSnapshot } from '../proxy/index.js';
import type { TargetVersion } from '../targets/target.js';
import { glidepathVersion } from '../shared/version.js';
import { RELEASE_PHASES, type ReleasePhaseName } from './release-phase.js';

/** Where the metrics come from at scrape time. */
export interface MetricsSources {
  versions(): TargetVersion[];
  proxySnapshot?(): Promise<ProxyMetricsSnapshot>;
  /** The phase of the release running now (`idle` without one). */
  releasePhase?(): Promise<ReleasePhaseName>;
}

/** A monitor's name and whether it is down now, for `glidepath_monitor_down`. */
export interface MonitorDownState {
  name: string;
  down: boolean;
}

/** The daemon's Prometheus metrics: requests and latency per version, weights, releases, analysis verdicts. */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #service: string;
  readonly #proxy: ProxyMetricsExporter;
  readonly #releases: Counter<'service' | 'outcome'>;
  readonly #verdicts: Counter<'service' | 'metric' | 'verdict'>;
  readonly #lateness: Summary;
  #sources: MetricsSources | undefined;
  #monitors: () => readonly MonitorDownState[] = () => [];

  constructor(service: string) {
    this.#service = service;
    collectDefaultMetrics({ register: this.registry, prefix: 'glidepath_daemon_' });
    // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool rejects them).
    for (const gauge of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
      this.registry.removeSingleMetric(`glidepath_daemon_nodejs_${gauge}`);
    }
    this.#proxy = new ProxyMetricsExporter({ service, registry: this.registry });
    this.#releases = new Counter({
      name: 'glidepath_releases_total',
      help: 'Finished releases by outcome (succeeded, rolled_back, failed, aborted).',
      labelNames: ['service', 'outcome'],
      registers: [this.registry],
    });
    this.#verdicts = new Counter({
      name: 'glidepath_analysis_measurements_total',
      help: 'Analysis measurements by metric and verdict (pass, fail, inconclusive, error).',
      labelNames: ['service', 'metric', 'verdict'],
      registers: [this.registry],
    });
    this.#lateness = new Summary({
      name: 'glidepath_scheduler_lateness_seconds',
      help: 'How late scheduled runs (jobs, backups, monitor beats, alert evaluations) started, over the last 10 minutes.',
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers: [this.registry],
    });
    const versions = () => this.#sources?.versions() ?? [];
    new Gauge({
      name: 'glidepath_traffic_weight_percent',
      help: 'Share of new requests each running version gets, in percent.',
      labelNames: ['service', 'version'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const version of versions()) this.set({ service, version: version.version }, version.weight);
      },
    });
    // The same share as a 0–1 ratio, Prometheus' convention for fractions (the percent gauge stays for
    // dashboards already built on it).
    new Gauge({
      name: 'glidepath_traffic_weight_ratio',
      help: 'Share of new requests each running version gets, from 0 to 1.',
      labelNames: ['service', 'version'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const version of versions()) this.set({ service, version: version.version }, version.weight / 100);
      },
    });
    // One series per phase, 1 for the current one (kube-state-metrics' convention for phases), so a rule can
    // say `glidepath_release_phase{phase="rolling_back"} == 1` and a panel can plot the phase over time.
    const phase = async () => (await this.#sources?.releasePhase?.().catch(() => undefined)) ?? 'idle';
    new Gauge({
      name: 'glidepath_release_phase',
      help: `1 for the phase the service's release is in now, 0 for the others (${RELEASE_PHASES.join(', ')}).`,
      labelNames: ['service', 'phase'],
      registers: [this.registry],
      async collect() {
        const current = await phase();
        for (const name of RELEASE_PHASES) this.set({ service, phase: name }, name === current ? 1 : 0);
      },
    });
    const monitors = () => this.#monitors();
    new Gauge({
      name: 'glidepath_monitor_down',
      help: 'Whether each monitor (a plan check with an interval) is down: 1 down, 0 up or pending.',
      labelNames: ['service', 'monitor'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const m of monitors()) this.set({ service, monitor: m.name }, m.down ? 1 : 0);
      },
    });
    new Gauge({
      name: 'glidepath_build_info',
      help: 'Always 1; the labels say which glidepath and Node.js the daemon runs.',
      labelNames: ['service', 'version', 'nodejs'],
      registers: [this.registry],
    }).set({ service, version: glidepathVersion(), nodejs: process.versions.node }, 1);
  }

  /** Connects the runtime whose traffic and weights are exported. */
  attach(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /** Connects the monitors whose state is exported (the monitors of the plan in force). */
  attachMonitors(states: () => readonly MonitorDownState[]): void {
    this.#monitors = states;
  }

  /** Counts how late a scheduled run started. */
  scheduled(latenessMs: number): void {
    this.#lateness.observe(latenessMs / 1000);
  }

  releaseFinished(outcome: string): void {
    this.#releases.inc({ service: this.#service, outcome });
  }

  measured(metric: string, verdict: string): void {
    this.#verdicts.inc({ service: this.#service, metric, verdict });
  }

  async exposition(): Promise<{ contentType: string; text: string }> {
    const snapshot = await this.#sources?.proxySnapshot?.().catch(() => undefined);
    if (snapshot) this.#proxy.update(snapshot);
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
