import { describe, expect, it } from 'vitest';
import { PlanError, formatPlanIssue, type PlanIssue } from '../shared/errors.js';
import { parsePlan } from './load.js';
import { UNSUPPORTED_KEYS, unsupportedUses } from './unsupported-keys.js';

const BASE = `version: 1
service: s
`;
const PROCESS_TARGET = `target:
  type: process
  listen: 127.0.0.1:8080
  start: node server.js --port {port}
`;

function issuesOf(text: string): PlanIssue[] {
  try {
    parsePlan(text, 'glidepath.yaml', {});
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

/** One plan per unsupported key, well-formed otherwise, and the single located error it must get. */
const CASES: [string, string, string][] = [
  ['verify[].interval', `${BASE}verify:\n  - { tcp: { port: 80 }, interval: 30s }\n`, 'glidepath.yaml:4:26 verify[0].interval: interval is not supported yet'],
  ['verify[].retryInterval', `${BASE}verify:\n  - { tcp: { port: 80 }, retryInterval: 30s }\n`, 'glidepath.yaml:4:26 verify[0].retryInterval: retryInterval is not supported yet'],
];

describe('keys glidepath does not carry out yet', () => {
  it.each(CASES)('refuses %s at its line and column with its key path', (_name, text, located) => {
    const issues = issuesOf(text);
    expect(issues.map(formatPlanIssue)).toEqual([expect.stringMatching(new RegExp(`^${located.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.+\\)$`))]);
  });

  it('has a test case for every entry of the list', () => {
    for (const entry of UNSUPPORTED_KEYS) {
      expect(CASES.some(([name]) => name.startsWith(entry.path) || (entry.value !== undefined && name === `target ${entry.value}`)), entry.path).toBe(true);
    }
  });

  it('says why, and what to do meanwhile', () => {
    const [issue] = issuesOf(CASES.find(([name]) => name === 'verify[].interval')?.[1] ?? '');
    expect(issue?.message).toBe('interval is not supported yet (monitors run named checks: give the check under `checks:` an interval)');
  });

  it('reports the unsupported key instead of the problems inside it', () => {
    const issues = issuesOf(`${BASE}verify:\n  - { tcp: { port: 80 }, interval: forever }\n`);
    expect(issues.map((issue) => issue.path)).toEqual(['verify[0].interval']);
  });

  it('still reports the rest of the plan in the same run', () => {
    const issues = issuesOf(`${BASE}${PROCESS_TARGET}  drain: forever\nverify:\n  - { tcp: { port: 80 }, interval: 1m }\n`);
    expect(issues.map((issue) => issue.path)).toEqual(['target.drain', 'verify[0].interval']);
  });

  it('accepts bench, which `glidepath bench` carries out', () => {
    const plan = parsePlan(`${BASE}bench:\n  requests: [ { name: sql, path: /q, targets: { p95: 100ms } } ]\n  targets: { p99: 1s, rps: 50 }\n`, 'glidepath.yaml', {});
    expect(plan.bench).toMatchObject({ duration: 30_000, connections: 10, targets: { p99: 1_000, rps: 50 }, requests: [{ name: 'sql', targets: { p95: 100 } }] });
  });

  it('accepts the supported neighbours of unsupported keys', () => {
    const plan = parsePlan(
      `${BASE}${PROCESS_TARGET}  ready: { path: /health, interval: 100ms }\nchecks:\n  h: { tcp: { port: 80 }, timeout: 2s }\nanalysis:\n  interval: 5s\nbackup:\n  sources: [ { name: db, sqlite: { path: db.sqlite } } ]\n  store: { dir: ./backups }\n`,
      'glidepath.yaml',
      {},
    );
    expect(plan.analysis?.interval).toBe(5000);
  });

  it('turns a key on by deleting its entry', () => {
    const data = { version: 1, service: 's', verify: [{ tcp: { port: 80 }, interval: '1m', retryInterval: '1m' }] };
    expect(unsupportedUses(data).map((use) => use.path)).toEqual([['verify', 0, 'interval'], ['verify', 0, 'retryInterval']]);
    expect(unsupportedUses(data, UNSUPPORTED_KEYS.filter((entry) => entry.path !== 'verify[].interval')).map((use) => use.path)).toEqual([['verify', 0, 'retryInterval']]);
  });
});
