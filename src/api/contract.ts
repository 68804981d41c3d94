/** Request and response shapes of the daemon's API, shared by the server and the CLI. */

/** `status --json` and `GET /v1/status`, exactly as DESIGN.md fixes it. */
export interface StatusDocument {
  service: string;
  stable: { version: string; weight: number } | null;
  canary: { version: string; weight: number } | null;
  release: { id: string; status: string; step: number | null } | null;
}

/** One step of a release, as `deploy --json` prints it. */
export interface ReleaseStepDocument {
  kind: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  detail: Record<string, unknown>;
}

/** One measurement of an analysis, as `deploy --json` prints it. */
export interface AnalysisDocument {
  at: string;
  metric: string;
  value: number | null;
  threshold: number | null;
  verdict: string;
}

/** A release, as `deploy --json` and `GET /v1/releases/:id` give it. */
export interface ReleaseDocument {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  strategy: string;
  status: string;
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
  steps: ReleaseStepDocument[];
  analysis: AnalysisDocument[];
}

/** Body of every error answer: what went wrong, in words a person can act on. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** `GET /health`: whether the daemon runs, for which service; needs no token. */
export interface HealthDocument {
  status: 'ok';
  service: string;
  /** The plan file the daemon serves (its directory is the project's), so another project's CLI can say so. */
  plan?: string;
  pid: number;
  startedAt: string;
  glidepath: string;
}

/** What `.glidepath/daemon.json` says about the running daemon, so every command finds it. */
export interface DaemonInfo {
  pid: number;
  url: string;
  service: string;
  plan: string;
  startedAt: string;
}

/** `GET /v1/traffic`: each running version's share and its live metrics over the last `windowMs`. */
export interface TrafficDocument {
  service: string;
  windowMs: number;
  versions: {
    version: string;
    state: string;
    weight: number;
    requests: number;
    rps: number;
    errorRate: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }[];
}
