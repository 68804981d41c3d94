/**
 * Release notifications, read off the release's own event log (the engine is not asked to call anyone):
 * `release.created` → started; the release turning `paused` → waiting (for promote, or a person after analysis);
 * `release.finished` → promoted, rolled back (with the reason), failed or aborted.
 */
import type { NotifyEvent } from '../plan/schema/notify.js';
import type { Release, StoredEvent } from '../store/index.js';
import { releaseAlertName } from './alertmanager/index.js';
import type { Notification, NotificationSeverity } from './notifier.js';

const FINISHED: Record<string, { event: NotifyEvent; severity: NotificationSeverity; verb: string }> = {
  succeeded: { event: 'release.promoted', severity: 'info', verb: 'promoted' },
  rolled_back: { event: 'release.rolled_back', severity: 'warning', verb: 'rolled back' },
  failed: { event: 'release.failed', severity: 'critical', verb: 'failed' },
  aborted: { event: 'release.aborted', severity: 'warning', verb: 'aborted' },
};

/** The notification a release event stands for, if any; `release` is the release as stored now. */
export function releaseNotification(event: StoredEvent, release: Release, link?: string): Notification | undefined {
  const reason = typeof event.data.reason === 'string' ? event.data.reason : null;
  const make = (kind: NotifyEvent, severity: NotificationSeverity, summary: string, detail?: string): Notification => ({
    event: kind,
    service: release.service,
    severity,
    summary: `${release.service}: ${summary}`,
    ...(detail !== undefined && { detail }),
    at: event.at,
    labels: { alertname: releaseAlertName(kind), release_id: release.id, version: release.version },
    ...(link !== undefined && { link }),
    release: { id: release.id, version: release.version, previousVersion: release.previousVersion, status: release.status, reason: reason ?? release.reason },
  });
  if (event.type === 'release.created') {
    const replacing = release.previousVersion ? `, replacing ${release.previousVersion}` : ' (first release)';
    return make('release.started', 'info', `release ${release.version} started (${release.strategy}${replacing})`);
  }
  if (event.type === 'release.status' && event.data.status === 'paused') {
    return make('release.waiting', 'warning', `release ${release.version} is waiting: ${reason ?? 'paused'}`, 'Run `glidepath promote`, `glidepath resume` or `glidepath abort`.');
  }
  if (event.type === 'release.finished' && typeof event.data.status === 'string') {
    const finished = FINISHED[event.data.status];
    if (!finished) return undefined;
    return make(finished.event, finished.severity, `release ${release.version} ${finished.verb}${reason ? `: ${reason}` : ''}`, reason ?? undefined);
  }
  return undefined;
}

/** What the notices need: a sender, and the releases as stored. */
export interface ReleaseNoticesOptions {
  notify: (notification: Notification) => Promise<unknown>;
  getRelease: (id: string) => Promise<Release | undefined>;
  /** A link to a release (the daemon's API), for Alertmanager's generatorURL and chat buttons. */
  link?: (releaseId: string) => string;
  /** Told when a notice cannot be built (the store failed); never blocks anything. */
  onError?: (error: unknown) => void;
}

/** Turns the event stream into release notifications, in the background: `handle` returns at once. */
export class ReleaseNotices {
  readonly #options: ReleaseNoticesOptions;
  /** Releases now paused: a second `paused` status while still paused (analysis again) is no news. */
  readonly #paused = new Set<string>();
  #queue: Promise<void> = Promise.resolve();

  constructor(options: ReleaseNoticesOptions) {
    this.#options = options;
  }

  /** Looks at one recorded event; notifications it stands for go out in event order, without waiting here. */
  handle(event: StoredEvent): void {
    const releaseId = event.releaseId;
    if (releaseId === null || !['release.created', 'release.status', 'release.finished'].includes(event.type)) return;
    if (event.type === 'release.status') {
      const paused = event.data.status === 'paused';
      const already = this.#paused.has(releaseId);
      if (paused) this.#paused.add(releaseId);
      else this.#paused.delete(releaseId);
      if (!paused || already) return;
    }
    if (event.type === 'release.finished') this.#paused.delete(releaseId);
    // In order of the events, but a slow delivery never holds the next notice: only the lookups are queued.
    this.#queue = this.#queue.then(async () => {
      try {
        const release = await this.#options.getRelease(releaseId);
        const notification = release && releaseNotification(event, release, this.#options.link?.(releaseId));
        if (notification) void this.#options.notify(notification);
      } catch (error) {
        this.#options.onError?.(error);
      }
    });
  }

  /** Resolves once every event handled so far has been turned into its notification (sent or not). */
  settled(): Promise<void> {
    return this.#queue;
  }
}
