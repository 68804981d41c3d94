/** Keys Argo Rollouts and Flagger users write get pointed at glidepath's own. */
import { describe, expect, it } from 'vitest';
import { PlanError, type PlanIssue } from '../shared/errors.js';
import { parsePlan } from './load.js';

const TARGET = 'version: 1\nservice: s\ntarget:\n  type: process\n  listen: 127.0.0.1:8080\n  start: node s.js\n';

function issuesOf(text: string): PlanIssue[] {
  try {
    parsePlan(text, 'glidepath.yaml', {});
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

const one = (text: string) => {
  const issues = issuesOf(text);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  return issues[0] as PlanIssue;
};

describe('keys from Argo Rollouts and Flagger', () => {
  it.each([
    ['setWeight (Argo canary step)', 'strategy:\n  canary:\n    steps:\n      - setWeight: 20\n', 'strategy.canary.steps[0].setWeight', /; did you mean "weight"\? \(a canary step is `- weight: 10`\)$/],
    ['pause.duration (Argo)', 'strategy:\n  canary:\n    steps:\n      - pause: { duration: 1m }\n', 'strategy.canary.steps[0].pause.duration', /write the duration as the pause itself: `- pause: 1m`/],
    ['stepWeight (Flagger)', 'strategy:\n  canary:\n    stepWeight: 10\n    steps: [ { weight: 10 } ]\n', 'strategy.canary.stepWeight', /no step size or ceiling: list each weight under strategy\.canary\.steps/],
    ['maxWeight (Flagger)', 'strategy:\n  canary:\n    maxWeight: 50\n    steps: [ { weight: 10 } ]\n', 'strategy.canary.maxWeight', /no step size or ceiling/],
    ['threshold (Flagger analysis)', 'analysis:\n  threshold: 5\n', 'analysis.threshold', /did you mean "failureLimit"\? \(set on each metric under analysis\.metrics/],
    ['threshold on a metric', 'analysis:\n  metrics:\n    - { name: e, metric: error_rate, threshold: 0.01 }\n', 'analysis.metrics[0].threshold', /as `max` \(fails above it\) or `min`.*`failureLimit`/],
    ['thresholdRange (Flagger metric)', 'analysis:\n  metrics:\n    - { name: e, metric: error_rate, thresholdRange: { max: 1 } }\n', 'analysis.metrics[0].thresholdRange', /as `max` \(fails above it\) or `min` \(fails below it\)$/],
    ['successCondition (Argo metric)', 'analysis:\n  metrics:\n    - { name: e, metric: error_rate, successCondition: "result < 0.01" }\n', 'analysis.metrics[0].successCondition', /as `max` \(fails above it\)/],
    ['failureCondition (Argo metric)', 'analysis:\n  metrics:\n    - { name: e, metric: error_rate, failureCondition: "result > 0.01" }\n', 'analysis.metrics[0].failureCondition', /as `max` \(fails above it\)/],
    ['interval on a metric (Argo, Flagger)', 'analysis:\n  metrics:\n    - { name: e, metric: error_rate, max: 1%, interval: 1m }\n', 'analysis.metrics[0].interval', /measured at analysis\.interval; set it once there/],
    ['interval on the canary', 'strategy:\n  canary:\n    interval: 1m\n    steps: [ { weight: 10 } ]\n', 'strategy.canary.interval', /analysis\.interval; a wait between steps is a `- pause: 1m` step/],
    ['count on a metric (Argo)', 'analysis:\n  metrics:\n    - { name: e, metric: error_rate, max: 1%, count: 5 }\n', 'analysis.metrics[0].count', /there is no count/],
    ['provider on a metric (Argo)', 'analysis:\n  metrics:\n    - { name: e, max: 1, provider: { prometheus: { address: "http://p:9090" } } }\n', 'analysis.metrics[0].provider', /`prometheus: \{ url, query \}`/],
    ['address for Prometheus (Argo)', 'analysis:\n  metrics:\n    - { name: e, max: 1, prometheus: { address: "http://p:9090", query: up } }\n', 'analysis.metrics[0].prometheus.address', /did you mean "url"\?$/],
    ['templates (Argo analysis)', 'analysis:\n  templates: [ { templateName: success-rate } ]\n', 'analysis.templates', /no analysis templates: list the measurements under analysis\.metrics/],
    ['iterations (Flagger blue-green)', 'strategy:\n  bluegreen:\n    iterations: 10\n', 'strategy.bluegreen.iterations', /strategy\.bluegreen\.previewFor/],
    ['autoPromotionEnabled (Argo blue-green)', 'strategy:\n  bluegreen:\n    autoPromotionEnabled: false\n', 'strategy.bluegreen.autoPromotionEnabled', /did you mean "autoPromote"\?/],
    ['scaleDownDelaySeconds (Argo blue-green)', 'strategy:\n  bluegreen:\n    scaleDownDelaySeconds: 30\n', 'strategy.bluegreen.scaleDownDelaySeconds', /did you mean "keepOld"\?/],
    ['maxSurge (rolling update)', 'strategy:\n  rolling:\n    maxSurge: 1\n', 'strategy.rolling.maxSurge', /did you mean "batch"\?/],
  ])('%s', (_name, section, path, message) => {
    const issue = one(`${TARGET}${section}`);
    expect(issue.path).toBe(path);
    expect(issue.message).toMatch(/^unknown key "[A-Za-z]+"; /);
    expect(issue.message).toMatch(message);
  });

  it('keeps spelling guesses for glidepath keys and leaves a valid analysis.interval alone', () => {
    expect(one(`${TARGET}analysis:\n  intervall: 5s\n`).message).toBe('unknown key "intervall"; did you mean "interval"?');
    expect(parsePlan(`${TARGET}analysis:\n  interval: 1m\n`, 'glidepath.yaml', {}).analysis?.interval).toBe(60_000);
  });
});

describe('messages in the user\'s terms', () => {
  it.each([
    ['a number where a duration goes', `${TARGET}  drain: 10\n`, 'expected a duration like 250ms, 30s, 2m, 1h or 30d, got 10'],
    ['a list where a duration goes', `${TARGET}  drain: [1]\n`, 'expected a duration like 250ms, 30s, 2m, 1h or 30d, got a list'],
    ['a mapping as an env value', `${TARGET}  env: { A: { b: 1 } }\n`, 'expected a value: text, a number or true/false, got a mapping'],
    ['a bad key of a map', `${TARGET}  env: { "A B": x }\n`, 'expected an environment variable name of letters, digits and _, not starting with a digit, got "A B"'],
  ])('%s', (_name, text, message) => {
    const issue = one(text);
    expect(issue.message).toBe(message);
    expect(issue.message).not.toMatch(/Invalid (input|key|option)|Expected |ZodError|received/);
  });
});
