/**
 * Where a page load's time goes, from the browser's own clock (Navigation and Resource Timing, the daemon's
 * Server-Timing header, long tasks): the document and its scripts, each API call with the daemon's share of it and
 * its size, and the browser's work after the last answer until the view was drawn. Reported, never asserted.
 */
import type { Page } from 'playwright-core';

/** One request the page made: when (ms since navigation start), how long the daemon took, and its size. */
export interface PageCall {
  path: string;
  kind: string;
  startMs: number;
  endMs: number;
  serverMs: number | null;
  wireBytes: number;
  bodyBytes: number;
}

/** One view's load, split up. */
export interface PageTiming {
  /** What the test measured from outside: navigation from about:blank until the view was ready. */
  totalMs: number;
  /** The page's own time from navigation start until the frame in which the view was ready. */
  readyMs: number;
  documentMs: number;
  domContentLoadedMs: number;
  calls: PageCall[];
  /** Sum of the main thread's tasks over 50 ms (long tasks) until ready. */
  longTasksMs: number;
}

/** Registers a long-task observer in every page of the context before its scripts run. */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.addInitScript(`
    globalThis.__longTasks = [];
    try { new PerformanceObserver((list) => { for (const e of list.getEntries()) globalThis.__longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true }); } catch {}
  `);
}

const COLLECT = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const calls = performance.getEntriesByType('resource').map((r) => {
    const url = new URL(r.name);
    const app = r.serverTiming.find((s) => s.name === 'app');
    return { path: url.pathname + url.search, kind: r.initiatorType, startMs: r.startTime, endMs: r.responseEnd, serverMs: app ? app.duration : null, wireBytes: r.transferSize, bodyBytes: r.decodedBodySize };
  });
  return { documentMs: nav.responseEnd, domContentLoadedMs: nav.domContentLoadedEventEnd, calls, longTasks: globalThis.__longTasks || [] };
})()`;

/** When a view is ready: `count` elements match `selector`, the first one's text matching `text` when given. */
export interface ReadyWhen {
  selector: string;
  count: number;
  text?: string;
}

type Found = { length: number; [index: number]: { textContent: string | null } | undefined };

/**
 * Navigates from about:blank to `url` and waits for the view to be ready in a drawn frame (checked on each
 * animation frame; a function, as the page's CSP allows no string eval); returns the split-up time.
 */
export async function timePageLoad(page: Page, url: string, when: ReadyWhen, timeoutMs = 30_000): Promise<PageTiming> {
  await page.goto('about:blank');
  const started = performance.now();
  await page.goto(url);
  const ready = await page.waitForFunction(
    (check: ReadyWhen) => {
      const found = (globalThis as unknown as { document: { querySelectorAll(selector: string): Found } }).document.querySelectorAll(check.selector);
      if (found.length < check.count) return false;
      if (check.text !== undefined && !new RegExp(check.text).test(found[0]?.textContent ?? '')) return false;
      return performance.now();
    },
    when,
    { polling: 'raf', timeout: timeoutMs },
  );
  const totalMs = performance.now() - started;
  const readyMs = (await ready.jsonValue()) as number;
  const seen = await page.evaluate<Omit<PageTiming, 'totalMs' | 'readyMs' | 'longTasksMs'> & { longTasks: [number, number][] }>(COLLECT);
  const calls = seen.calls.filter((call) => call.startMs <= readyMs);
  const longTasksMs = seen.longTasks.filter(([start]) => start <= readyMs).reduce((sum, [, duration]) => sum + duration, 0);
  return { totalMs, readyMs, documentMs: seen.documentMs, domContentLoadedMs: seen.domContentLoadedMs, calls, longTasksMs };
}

const ms = (value: number) => `${Math.round(value)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** One line that says where the time went: outside vs inside the page, document, scripts, API calls, drawing. */
export function describeTiming(view: string, timing: PageTiming): string {
  const api = timing.calls.filter((call) => call.kind === 'fetch');
  const lastAnswer = Math.max(timing.domContentLoadedMs, ...api.map((call) => call.endMs));
  const each = api.map((call) => `${call.path} ${ms(call.startMs)}→${ms(call.endMs)} (daemon ${call.serverMs === null ? '?' : ms(call.serverMs)}, ${kb(call.bodyBytes)} JSON, ${kb(call.wireBytes)} on the wire)`);
  return [
    `${view}: ${ms(timing.totalMs)} measured by the test, ${ms(timing.readyMs)} in the page`,
    `document ${ms(timing.documentMs)}, scripts run by ${ms(timing.domContentLoadedMs)}`,
    `${api.length} API calls: ${each.join(', ')}`,
    `drawing after the last answer ${ms(timing.readyMs - lastAnswer)}`,
    `long tasks ${ms(timing.longTasksMs)}`,
  ].join('; ');
}
