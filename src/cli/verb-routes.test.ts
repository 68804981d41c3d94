/**
 * The CLI's one rule, held by the source: verbs that steer or read what the running daemon does go through its
 * API; one-shot work and records open the store in-process, so they work with the daemon down (docs/cli.md).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Route = 'api' | 'store' | 'api+store' | 'none';

/** Each verb file and where it goes; `api+store` are the two exceptions docs/cli.md explains. */
const ROUTES: Record<string, Route> = {
  deploy: 'api', // --foreground hosts the release engine in-process on the store instead (docs/cli.md)
  retry: 'api',
  steer: 'api+store', // promote, pause, resume, abort: api; rollback: api, then the data restore it offers (store)
  status: 'api',
  wait: 'api',
  down: 'api',
  up: 'api', // starts the daemon; asks whether one already answers
  demo: 'api',
  logs: 'api+store', // the serving version: the daemon's word while it runs, the last release record otherwise
  history: 'store',
  lock: 'store',
  check: 'store',
  preflight: 'store',
  backup: 'store',
  migrate: 'store',
  validate: 'none',
  schema: 'none',
  export: 'none', // writes what the plan says for systemd, Grafana and Prometheus
  jobs: 'api',
  monitors: 'api',
  alerts: 'api',
  bench: 'none', // loads the service itself; the daemon is not involved
  notify: 'store', // a test message is one-shot work; the delivery log is a record
  dashboard: 'api', // asks the daemon for a one-time login
};

const dir = new URL('./', import.meta.url);

function routeOf(file: string): Route {
  const text = readFileSync(new URL(file, dir), 'utf8');
  const api = /\b(requireDaemon|findDaemon|daemonFor)\(/.test(text);
  const store = /ctx\.openStore\(|from '\.\/data-restore-offer\.js'/.test(text);
  return api && store ? 'api+store' : api ? 'api' : store ? 'store' : 'none';
}

describe('where each CLI verb goes', () => {
  it('every verb file follows the rule, and every verb file is in the table', () => {
    const verbFiles = readdirSync(dir)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .filter((name) => /\.command\('/.test(readFileSync(new URL(name, dir), 'utf8')))
      .map((name) => name.slice(0, -3))
      .sort();
    expect(verbFiles).toEqual(Object.keys(ROUTES).sort());
    expect(Object.fromEntries(verbFiles.map((verb) => [verb, routeOf(`${verb}.ts`)]))).toEqual(ROUTES);
  });
});
