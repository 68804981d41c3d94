/**
 * The interface every metric provider implements (the built-in proxy metrics, checks, Prometheus, a value the service
 * publishes): one reading of one metric for the versions under analysis. Analysis imports only this and the registry.
 */
import type { VersionCounters, VersionMetrics } from '../targets/target.js';

/** One side of a canary-versus-stable comparison. */
export interface ComparedSide {
  version: string;
  value: number | null;
  requests: number;
}

/** Both versions' monotonic counters: request and error counts and the latency histogram's buckets. */
export interface CountersPair {
  canary: { version: string; totals: VersionCounters };
  stable: { version: string; totals: VersionCounters };
}

/**
 * A raw reading of a metric source, before any threshold or limit is applied. Outcomes are values: a source that
 * cannot be read is an `error` sample, and one with nothing to measure a `value` of null; neither is a pass.
 */
export type MetricSample =
  /**
   * A number with how many requests (or points, or series) it rests on; the proxy adds the version's
   * distribution (request and error counts, latency histogram buckets) where it has one.
   */
  | { kind: 'value'; value: number | null; samples: number; distribution?: VersionCounters }
  /** The outcome of a named check run against the new version. */
  | { kind: 'check'; status: 'pass' | 'fail' | 'error'; detail: string }
  /** The new version's value beside the stable version's. */
  | { kind: 'compare'; canary: ComparedSide; stable: ComparedSide }
  /** Both versions' monotonic counters, for a sequential comparison that differences successive readings. */
  | ({ kind: 'counters' } & CountersPair)
  /** The source could not be read. */
  | { kind: 'error'; detail: string };

/** The versions under analysis at one moment, and the window a reading covers. */
export interface MetricSubject {
  /** The new version and its direct address (`{url}`). */
  canary: { version: string; url: string | undefined };
  /** The version it replaces, when there is one. */
  stable: { version: string } | undefined;
  /** Percent of traffic the new version has now. */
  weight: number;
  /** The analysis interval: the window of the built-in metrics and PromQL's `{interval}`. */
  windowMs: number;
}

/** What each reading receives; the signal aborts it (a stopped analysis, a shutdown). */
export interface MeasureContext {
  signal: AbortSignal;
}

/** A configured metric source, ready to be read any number of times; `measure` never throws. */
export interface MetricProvider {
  /** The plan key of the source: `metric`, `check`, `compare`, `prometheus`, `published`. */
  readonly kind: string;
  measure(subject: MetricSubject, context: MeasureContext): Promise<MetricSample>;
}

/** Where the versions' built-in metrics come from: the part of a target that observes them. */
export interface VersionObserver {
  readonly type: string;
  /** The service's public address (`{service_url}`). */
  readonly serviceUrl: string;
  /** Absent on a target that cannot observe its versions (a command target): built-in metrics are then an error. */
  metrics?(version: string, windowMs: number): Promise<VersionMetrics | undefined>;
}

/** What a provider factory may use besides its configuration. */
export interface MetricProviderDeps {
  /** The service's name (`{service}`). */
  service: string;
  /** Directory relative paths are resolved against (the plan's directory). */
  planDir: string;
  observer: VersionObserver;
  /** Runs a check the plan names against the subject's new version; never throws. */
  runCheck(name: string, subject: MetricSubject, signal: AbortSignal): Promise<{ status: 'pass' | 'fail' | 'error'; detail: string }>;
  fetch?: typeof fetch;
}

/** Builds a provider of one kind from its parsed configuration; throws only for unusable input. */
export type MetricProviderFactory<Config> = (config: Config, deps: MetricProviderDeps) => MetricProvider;
