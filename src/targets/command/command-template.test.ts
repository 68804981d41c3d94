import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../../exec/argv.js';
import { parsePlan } from '../../plan/load.js';
import { fillCommand, weightVariables } from './command-template.js';
import { CommandTarget, parseWeights } from './command-target.js';

describe('command target placeholders', () => {
  it('names the newest version given traffic as {version}, the other as {stable}, and every share', () => {
    expect(weightVariables({ v1: 90, v2: 10 }, ['v2', 'v1'])).toEqual({ version: 'v2', weight: '10', stable: 'v1', stableWeight: '90', weights: 'v1=90,v2=10', 'weight.v1': '90', 'weight.v2': '10' });
    expect(weightVariables({ v1: 100 }, ['v1'])).toMatchObject({ version: 'v1', weight: '100', stable: '', stableWeight: '0', weights: 'v1=100' });
  });

  it('keeps each value one argument, whatever it holds, and leaves unknown placeholders as written', () => {
    const line = fillCommand('deploy --image=shop:{version} {unknown} --note {note}', { version: 'v1', note: "it's; rm -rf / $(x)" });
    expect(splitCommandLine(line)).toEqual(['deploy', '--image=shop:v1', '{unknown}', '--note', "it's; rm -rf / $(x)"]);
  });

  it('reads a split from a JSON object or a Cloud Run description, and refuses anything else', () => {
    expect(parseWeights('reading…\n{"v1": 90, "v2": 10}\n')).toEqual({ v1: 90, v2: 10 });
    expect(parseWeights(JSON.stringify({ status: { traffic: [{ revisionName: 'shop-1', tag: 'v1', percent: 90 }, { revisionName: 'shop-2', percent: 10 }] } }))).toEqual({ v1: 90, 'shop-2': 10 });
    expect(() => parseWeights('v1=90')).toThrow(/printed no JSON object/);
  });

  it('refuses a command line that holds a value taken from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glidepath-command-'));
    try {
      const plan = parsePlan('version: 1\nservice: shop\ntarget:\n  type: command\n  serviceUrl: https://x.example.com\n  start: deploy --token=${TOKEN} {version}\n  setWeights: w\n  stop: s\n', 'glidepath.yaml', { TOKEN: 'tok-123456' });
      if (plan.target?.type !== 'command') throw new Error('command target expected');
      const config = plan.target;
      expect(() => new CommandTarget({ config, service: 'shop', planDir: dir, stateDir: dir, secrets: ['tok-123456'] })).toThrow('target.start holds a value taken from the environment; pass secrets to the command in target.env instead, never in its arguments');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
