import { describe, expect, it } from 'vitest';
import { INITIAL_ALERT_MEMORY, stepAlert, type AlertMemory, type AlertSample, type AlertTiming } from './alert-state.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const on: AlertSample = { active: true, value: 1, detail: 'down' };
const off: AlertSample = { active: false, value: 0, detail: 'up' };

/** Runs samples at the given seconds and returns the state after each. */
function trace(steps: [number, AlertSample][], timing: AlertTiming, start: AlertMemory = INITIAL_ALERT_MEMORY): string[] {
  let memory = start;
  return steps.map(([s, sample]) => {
    memory = stepAlert(memory, sample, timing, new Date(T0 + s * 1000)).memory;
    return memory.state;
  });
}

describe('stepAlert', () => {
  it('inactive → pending → firing after `for` → resolved when the condition clears', () => {
    expect(trace([[0, on], [10, on], [30, on], [40, off], [50, off]], { forMs: 30_000, keepFiringForMs: 0 })).toEqual(['pending', 'pending', 'firing', 'resolved', 'resolved']);
  });

  it('fires at once with for: 0', () => {
    expect(trace([[0, on]], { forMs: 0, keepFiringForMs: 0 })).toEqual(['firing']);
  });

  it('a pending alert that clears goes back to inactive, and the `for` clock restarts', () => {
    expect(trace([[0, on], [20, off], [25, on], [50, on], [55, on]], { forMs: 30_000, keepFiringForMs: 0 })).toEqual(['pending', 'inactive', 'pending', 'pending', 'firing']);
  });

  it('keepFiringFor keeps a firing alert firing after its condition cleared, then resolves it', () => {
    expect(trace([[0, on], [10, off], [30, off], [70, off]], { forMs: 0, keepFiringForMs: 60_000 })).toEqual(['firing', 'firing', 'firing', 'resolved']);
    // a condition that comes back within keepFiringFor never resolved it
    expect(trace([[0, on], [10, off], [20, on], [75, off], [90, off]], { forMs: 0, keepFiringForMs: 60_000 })).toEqual(['firing', 'firing', 'firing', 'firing', 'resolved']);
  });

  it('a resolved alert goes pending again when the condition returns', () => {
    expect(trace([[0, on], [10, off], [20, on]], { forMs: 5_000, keepFiringForMs: 0 })).toEqual(['pending', 'inactive', 'pending']);
    expect(trace([[0, on], [10, off], [20, on], [30, on]], { forMs: 0, keepFiringForMs: 0 })).toEqual(['firing', 'resolved', 'firing', 'firing']);
  });

  it('keeps its state when the rule cannot be evaluated, and records the error', () => {
    const firing = stepAlert(INITIAL_ALERT_MEMORY, on, { forMs: 0, keepFiringForMs: 0 }, new Date(T0)).memory;
    const step = stepAlert(firing, { error: 'connection refused' }, { forMs: 0, keepFiringForMs: 0 }, new Date(T0 + 1000));
    expect(step.changed).toBe(false);
    expect(step.memory).toMatchObject({ state: 'firing', error: 'connection refused', firedAt: firing.firedAt });
  });

  it('keeps activeAt and firedAt while firing', () => {
    let memory = INITIAL_ALERT_MEMORY;
    for (const s of [0, 10, 20]) memory = stepAlert(memory, on, { forMs: 10_000, keepFiringForMs: 0 }, new Date(T0 + s * 1000)).memory;
    expect(memory).toMatchObject({ state: 'firing', activeAt: new Date(T0).toISOString(), firedAt: new Date(T0 + 10_000).toISOString() });
  });
});
