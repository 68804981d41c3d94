import { describe, expect, it } from 'vitest';
import { formatPlanIssue, PlanError } from '../../shared/errors.js';
import { parsePlan } from '../load.js';

const HEAD = 'version: 1\nservice: shop\ntarget:\n  type: nginx\n  listen: 127.0.0.1:8080\n  config: /etc/nginx/conf.d/shop-glidepath.conf\n';

function problems(text: string): string[] {
  try {
    parsePlan(text, 'glidepath.yaml', {});
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map(formatPlanIssue);
    throw error;
  }
  return [];
}

describe('target type nginx', () => {
  it('accepts versions run on this machine, with the defaults filled in', () => {
    const plan = parsePlan(`${HEAD}  start: node server.js --port {port}\n  sticky: cookie\n`, 'glidepath.yaml', {});
    expect(plan.target).toMatchObject({ type: 'nginx', test: 'nginx -t', reload: 'nginx -s reload', sticky: 'cookie', instances: 1, drain: 10_000 });
  });

  it('accepts servers elsewhere, as a template list or a map per version, with deploy and remove commands', () => {
    const list = parsePlan(`${HEAD}  servers: ["app-{version}.internal:8080", "10.0.0.7:8080"]\n  deploy: ./deploy.sh {version}\n  remove: ./remove.sh {version}\n`, 'glidepath.yaml', {});
    expect(list.target).toMatchObject({ servers: ['app-{version}.internal:8080', '10.0.0.7:8080'], deploy: './deploy.sh {version}' });
    const map = parsePlan(`${HEAD}  servers: { v1: ["127.0.0.2:9001"], v2: ["127.0.0.3:9001", "[::1]:9002"] }\n  sticky: cookie:sid\n`, 'glidepath.yaml', {});
    expect(map.target).toMatchObject({ servers: { v1: ['127.0.0.2:9001'] }, sticky: 'cookie:sid' });
  });

  it('refuses a target with both or neither of start and servers, deploy with start, and malformed values, naming where', () => {
    expect(problems(HEAD).join('\n')).toMatch(/glidepath\.yaml:\d+:\d+ target: expected exactly one of start \(processes on this machine\) or servers \(elsewhere\)/);
    expect(problems(`${HEAD}  start: x {port}\n  servers: ["h:1"]\n`).join('\n')).toMatch(/expected exactly one of start/);
    expect(problems(`${HEAD}  start: x {port}\n  deploy: ./d.sh\n`).join('\n')).toMatch(/deploy and remove go with servers, not start/);
    expect(problems(`${HEAD}  servers: ["no-port"]\n`).join('\n')).toMatch(/glidepath\.yaml:7:\d+ target\.servers\[0\]: expected host:port/);
    expect(problems(`${HEAD}  start: x\n  sticky: header:X-User\n`).join('\n')).toMatch(/glidepath\.yaml:8:\d+ target\.sticky: expected none, cookie or cookie:<name>/);
  });
});
