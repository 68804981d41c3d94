import { describe, expect, test } from 'vitest';
import { seededRandom } from '../shared/seeded-random.js';
import { Router, stableHash } from './router.js';
import { validateRoutingTable } from './routing-table.js';

const inst = (port: number) => ({ host: '127.0.0.1', port });

describe('Router', () => {
  test('weighted choice follows the weights (100 000 draws at 90/10, seed 42, ±1 percentage point)', () => {
    const r = new Router('round-robin', seededRandom(42));
    r.setTable({ versions: [{ version: 'a', weight: 90, instances: [inst(1)] }, { version: 'b', weight: 10, instances: [inst(2)] }] });
    let a = 0;
    for (let i = 0; i < 100_000; i++) if (r.choose(null)?.state.version === 'a') a++;
    expect(Math.abs(a / 1000 - 90)).toBeLessThan(1);
  });

  test('a header value always maps to the same version for a given split', () => {
    const r = new Router('round-robin', seededRandom(1));
    r.setTable({ versions: [{ version: 'a', weight: 50, instances: [inst(1)] }, { version: 'b', weight: 50, instances: [inst(2)] }] });
    for (const user of ['alice', 'bob', 'carol', 'u-123']) {
      const first = r.choose(user)?.state.version;
      for (let i = 0; i < 20; i++) expect(r.choose(user)?.state.version).toBe(first);
    }
    expect(stableHash('alice')).toBe(stableHash('alice'));
  });

  test('drained, zero-weight and empty versions get no new requests; no candidate gives null', () => {
    const r = new Router('round-robin', seededRandom(1));
    r.setTable({
      versions: [
        { version: 'a', weight: 50, instances: [inst(1)], draining: true },
        { version: 'b', weight: 0, instances: [inst(2)] },
        { version: 'c', weight: 50, instances: [] },
        { version: 'd', weight: 1, instances: [inst(4)] },
      ],
    });
    for (let i = 0; i < 50; i++) expect(r.choose(null)?.state.version).toBe('d');
    r.setTable({ versions: [{ version: 'b', weight: 0, instances: [inst(2)] }] });
    expect(r.choose(null)).toBeNull();
  });

  test('round-robin cycles instances; least-connections prefers the least busy', () => {
    const rr = new Router('round-robin', seededRandom(1));
    rr.setTable({ versions: [{ version: 'a', weight: 100, instances: [inst(1), inst(2), inst(3)] }] });
    const route = rr.choose(null)!;
    expect([1, 2, 3, 4].map(() => rr.pickInstance(route, null)?.port)).toEqual([1, 2, 3, 1]);

    const lc = new Router('least-connections', seededRandom(1));
    lc.setTable({ versions: [{ version: 'a', weight: 100, instances: [inst(1), inst(2)] }] });
    const r2 = lc.choose(null)!;
    const busy = r2.instances[0]!;
    lc.begin(r2.state, busy);
    lc.begin(r2.state, busy);
    for (let i = 0; i < 5; i++) expect(lc.pickInstance(r2, null)?.port).toBe(2);
  });

  test('drain resolves when in-flight requests end, or reports what is left at the timeout', async () => {
    const r = new Router('round-robin', seededRandom(1));
    r.setTable({ versions: [{ version: 'a', weight: 100, instances: [inst(1)] }, { version: 'b', weight: 1, instances: [inst(2)] }] });
    const a = r.choose(null)!;
    const i = r.pickInstance(a, null)!;
    r.begin(a.state, i);
    const pending = r.drain('a', 5000);
    expect(r.choose(null)?.state.version).toBe('b');
    r.end(a.state, i);
    await expect(pending).resolves.toEqual({ version: 'a', drained: true, inFlight: 0 });

    r.setTable({ versions: [{ version: 'a', weight: 100, instances: [inst(1)], draining: false }] });
    r.begin(a.state, i);
    await expect(r.drain('a', 30)).resolves.toEqual({ version: 'a', drained: false, inFlight: 1 });
    r.end(a.state, i);
  });

  test('a table is validated before it replaces the old one', () => {
    expect(() => validateRoutingTable({ versions: [{ version: 'a', weight: 101, instances: [] }] })).toThrow(/weight/);
    expect(() => validateRoutingTable({ versions: [{ version: 'a', weight: 1, instances: [{ host: 'h', port: 0 }] }] })).toThrow(/port/);
    expect(() => validateRoutingTable({ versions: [{ version: 'a', weight: 1, instances: [] }, { version: 'a', weight: 1, instances: [] }] })).toThrow(/twice/);
    expect(() => validateRoutingTable({})).toThrow(/versions/);
  });
});
