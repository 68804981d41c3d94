import { describe, expect, it } from 'vitest';
import { renderAlertTemplate } from './alert-template.js';
import { decideNotification, INITIAL_NOTIFY_MEMORY, type NotifyMemory } from './notify-policy.js';
import { parseMatcher, silenceMatches } from './silence-match.js';
import type { AlertState } from './alert-state.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const timing = { repeatIntervalMs: 3_600_000, groupIntervalMs: 300_000 };

function sends(states: [number, AlertState, boolean?][]): string[] {
  let memory: NotifyMemory = INITIAL_NOTIFY_MEMORY;
  return states.map(([s, state, silenced]) => {
    const decision = decideNotification(memory, state, silenced ?? false, timing, new Date(T0 + s * 1000));
    memory = decision.memory;
    return decision.send === null ? '-' : `${decision.send}${decision.repeat ? '(repeat)' : ''}`;
  });
}

describe('decideNotification', () => {
  it('sends a firing once, repeats it each repeatInterval, and sends its resolution once', () => {
    expect(sends([[0, 'pending'], [10, 'firing'], [20, 'firing'], [3_610, 'firing'], [3_620, 'resolved'], [3_630, 'resolved']])).toEqual(['-', 'firing', '-', 'firing(repeat)', 'resolved', '-']);
  });

  it('a flapping alert sends at most a firing and a resolution per groupInterval', () => {
    const flaps: [number, AlertState][] = [];
    for (let s = 0; s < 290; s += 10) flaps.push([s, s % 20 === 0 ? 'firing' : 'resolved']);
    const sent = sends([...flaps, [300, 'firing'], [320, 'firing']]).filter((x) => x !== '-');
    expect(sent).toEqual(['firing', 'resolved', 'firing']);
  });

  it('a silenced alert sends nothing, and is told once the silence is over if it still fires', () => {
    expect(sends([[0, 'firing', true], [10, 'firing', true], [20, 'firing'], [30, 'resolved']])).toEqual(['-', '-', 'firing', 'resolved']);
    // resolved while silenced, never told firing: nothing to resolve
    expect(sends([[0, 'firing', true], [10, 'resolved']])).toEqual(['-', '-']);
  });
});

describe('silences', () => {
  it('parses matchers and matches labels as Alertmanager does', () => {
    const matchers = ['alertname=api-down', 'severity=~"critical|warning"', 'team!=db'].map((m) => parseMatcher(m)!);
    expect(matchers[1]).toEqual({ name: 'severity', op: '=~', value: 'critical|warning' });
    expect(silenceMatches(matchers, { alertname: 'api-down', severity: 'critical' })).toBe(true);
    expect(silenceMatches(matchers, { alertname: 'api-down', severity: 'info' })).toBe(false);
    expect(silenceMatches(matchers, { alertname: 'api-down', severity: 'critical', team: 'db' })).toBe(false);
    expect(silenceMatches([parseMatcher('severity=~crit')!], { severity: 'critical' })).toBe(false); // anchored
    expect(parseMatcher('no operator')).toBeUndefined();
    expect(parseMatcher('a=~(')).toBeUndefined();
  });
});

describe('renderAlertTemplate', () => {
  it('fills $value and $labels', () => {
    expect(renderAlertTemplate('{{ $labels.alertname }} at {{ $value }} on {{$labels.instance}} ({{ $labels.nope }})', 0.123456, { alertname: 'p95', instance: 'v2' })).toBe('p95 at 0.1235 on v2 ()');
    expect(renderAlertTemplate('value {{ $value }}', null, {})).toBe('value ');
  });
});
