import { describe, expect, it } from 'vitest';
import { nextMonitorState, type MonitorMemory } from './monitor-state.js';

const timing = { intervalMs: 60_000, retryIntervalMs: 10_000, retries: 2 };

function run(beats: boolean[], start: MonitorMemory = { status: 'unknown', failures: 0 }) {
  let memory = start;
  return beats.map((passed) => {
    const step = nextMonitorState(memory, passed, timing);
    memory = step.memory;
    return `${step.memory.status}${step.changed ? '*' : ''}@${step.nextInMs}`;
  });
}

describe('nextMonitorState', () => {
  it('goes pending while retries remain, rechecks after retryInterval, then down at the interval', () => {
    expect(run([true, false, false, false, false])).toEqual(['up*@60000', 'pending*@10000', 'pending@10000', 'down*@60000', 'down@60000']);
  });

  it('resets the count on a pass: a failure after recovery is pending again', () => {
    expect(run([false, false, false, true, false])).toEqual(['pending*@10000', 'pending@10000', 'down*@60000', 'up*@60000', 'pending*@10000']);
  });

  it('with no retries a failure is down at once', () => {
    const step = nextMonitorState({ status: 'up', failures: 0 }, false, { ...timing, retries: 0 });
    expect(step).toEqual({ memory: { status: 'down', failures: 1 }, changed: true, nextInMs: 60_000 });
  });

  it('a monitor restored as down stays down rather than going pending', () => {
    expect(run([false], { status: 'down', failures: 0 })).toEqual(['down@60000']);
  });
});
