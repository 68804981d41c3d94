/** Picks a version by weight (or stickiness) and an instance of it (round-robin or least connections), counting requests in flight for drains. */
import type { BalanceMode, RoutingTable, UpstreamInstance } from './routing-table.js';
import { setLongTimeout } from '../shared/long-timer.js';

/** An instance with its live count of requests, shared across routing tables. */
export interface InstanceState extends UpstreamInstance {
  key: string;
  inFlight: number;
}

/** A version with its live counters, shared across routing tables. */
export interface VersionState {
  version: string;
  inFlight: number;
  /** Set by `drain()`, cleared by a table that says `draining: false`. */
  drainRequested: boolean;
  waiters: Array<() => void>;
}

/** A version as the current table routes it. */
export interface Route {
  state: VersionState;
  weight: number;
  instances: InstanceState[];
  draining: boolean;
  next: number;
}

/** What `drain` reports: whether every in-flight request finished before the timeout. */
export interface DrainResult {
  version: string;
  drained: boolean;
  inFlight: number;
}

/** 32-bit FNV-1a with a murmur3 finaliser: stable across processes and releases, so a value keeps its bucket. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // FNV alone leaves similar ids ("user-1", "user-2") in neighbouring buckets; the finaliser spreads them
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Chooses a version by weight (or stickiness) and an instance within it; counts in-flight requests for drain. */
export class Router {
  #routes: Route[] = [];
  #eligible: Route[] = [];
  #total = 0;
  readonly #versions = new Map<string, VersionState>();
  readonly #instances = new Map<string, InstanceState>();
  readonly #balance: BalanceMode;
  readonly #random: () => number;

  constructor(balance: BalanceMode, random: () => number) {
    this.#balance = balance;
    this.#random = random;
  }

  /** Replaces the table in one step; requests already bound to an instance are unaffected. */
  setTable(table: RoutingTable): void {
    this.#routes = table.versions.map((v) => {
      let state = this.#versions.get(v.version);
      if (!state) {
        state = { version: v.version, inFlight: 0, drainRequested: false, waiters: [] };
        this.#versions.set(v.version, state);
      }
      if (v.draining === false) state.drainRequested = false;
      const instances = v.instances.map((inst) => this.#instance(inst));
      return { state, weight: v.weight, instances, draining: v.draining === true || state.drainRequested, next: 0 };
    });
    this.#refresh();
    this.#prune();
  }

  /** Versions of the current table. */
  get routes(): readonly Route[] {
    return this.#routes;
  }

  /** The route of `version` if it may take new requests now. */
  eligible(version: string): Route | null {
    for (const r of this.#eligible) if (r.state.version === version) return r;
    return null;
  }

  /** A route by weight, using `hashKey` (a sticky header's value) instead of chance when given. */
  choose(hashKey: string | null): Route | null {
    const eligible = this.#eligible;
    if (eligible.length === 1) return eligible[0] as Route;
    if (eligible.length === 0) return null;
    const point = (hashKey === null ? this.#random() : stableHash(hashKey) / 4294967296) * this.#total;
    let acc = 0;
    for (const r of eligible) {
      acc += r.weight;
      if (point < acc) return r;
    }
    return eligible[eligible.length - 1] as Route;
  }

  /** An instance of `route` not in `exclude` (those already tried), by the balance mode; null when none is left. */
  pickInstance(route: Route, exclude: readonly InstanceState[] | null): InstanceState | null {
    const list = route.instances;
    const n = list.length;
    if (n === 0) return null;
    if (n === 1) return exclude?.includes(list[0] as InstanceState) === true ? null : (list[0] as InstanceState);
    const start = route.next++ % n;
    let best: InstanceState | null = null;
    for (let k = 0; k < n; k++) {
      const inst = list[(start + k) % n] as InstanceState;
      if (exclude?.includes(inst) === true) continue;
      if (this.#balance === 'round-robin') return inst;
      if (best === null || inst.inFlight < best.inFlight) best = inst;
    }
    return best;
  }

  /** Counts a request bound to `instance` of `version`. */
  begin(version: VersionState, instance: InstanceState): void {
    version.inFlight++;
    instance.inFlight++;
  }

  /** Counts a request of `version` finished; resolves drain waiters when none is left. */
  end(version: VersionState, instance: InstanceState): void {
    instance.inFlight--;
    if (--version.inFlight === 0 && version.waiters.length > 0) {
      const waiters = version.waiters;
      version.waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Stops new requests to `version` and resolves once its in-flight requests are done or `timeoutMs` passed. */
  drain(version: string, timeoutMs: number): Promise<DrainResult> {
    let state = this.#versions.get(version);
    if (!state) {
      state = { version, inFlight: 0, drainRequested: true, waiters: [] };
      this.#versions.set(version, state);
    }
    state.drainRequested = true;
    for (const r of this.#routes) if (r.state === state) r.draining = true;
    this.#refresh();
    const s = state;
    if (s.inFlight === 0) return Promise.resolve({ version, drained: true, inFlight: 0 });
    return new Promise((resolve) => {
      const done = (): void => {
        timer.clear();
        resolve({ version, drained: true, inFlight: 0 });
      };
      const timer = setLongTimeout(() => {
        s.waiters = s.waiters.filter((w) => w !== done);
        resolve({ version, drained: false, inFlight: s.inFlight });
      }, timeoutMs);
      s.waiters.push(done);
    });
  }

  /** Addresses (`host:port`) of the instances of routes that may still take new requests. */
  activeKeys(): Set<string> {
    const used = new Set<string>();
    for (const r of this.#routes) if (!r.draining) for (const i of r.instances) used.add(i.key);
    return used;
  }

  /** In-flight requests per version. */
  inFlight(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [v, s] of this.#versions) out.set(v, s.inFlight);
    return out;
  }

  #instance(inst: UpstreamInstance): InstanceState {
    const key = `${inst.host}:${inst.port}`;
    let state = this.#instances.get(key);
    if (!state) {
      state = { host: inst.host, port: inst.port, key, inFlight: 0 };
      this.#instances.set(key, state);
    }
    return state;
  }

  // forget idle addresses and versions that left the table, so that years of releases do not accumulate
  #prune(): void {
    const keys = new Set<string>();
    const versions = new Set<VersionState>();
    for (const r of this.#routes) {
      versions.add(r.state);
      for (const i of r.instances) keys.add(i.key);
    }
    for (const [k, s] of this.#instances) if (!keys.has(k) && s.inFlight === 0) this.#instances.delete(k);
    for (const [v, s] of this.#versions) {
      if (!versions.has(s) && s.inFlight === 0 && s.waiters.length === 0) this.#versions.delete(v);
    }
  }

  #refresh(): void {
    this.#eligible = this.#routes.filter((r) => !r.draining && r.weight > 0 && r.instances.length > 0);
    this.#total = this.#eligible.reduce((sum, r) => sum + r.weight, 0);
  }
}
