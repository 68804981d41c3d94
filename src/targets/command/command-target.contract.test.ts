import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../../exec/run-command.js';
import { parsePlan } from '../../plan/load.js';
import { CLOUD_RUN_RECIPE } from '../../testing/cloud-run-recipe.js';
import { runTargetContract } from '../target.contract.js';
import { CommandTarget } from './command-target.js';

/** The Cloud Run stand-in (test/fixtures/gcloud-standin.mjs) on PATH as `gcloud`, with its state in a temp file. */
export function cloudRunStandIn(dir: string): { env: Record<string, string>; state: string } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(resolve('test/fixtures/gcloud-standin.mjs'), join(bin, 'gcloud'));
  const state = join(dir, 'cloud-run.json');
  return { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, GCLOUD_STANDIN_STATE: state }, state };
}

runTargetContract('command (Cloud Run stand-in)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-command-contract-'));
  const standIn = cloudRunStandIn(dir);
  // Cloud Run refuses --no-traffic on a new service: the service exists before glidepath releases to it.
  const env = Object.entries(standIn.env).map(([name, value]) => `    ${name}: ${JSON.stringify(value)}`);
  const plan = parsePlan(['version: 1', 'service: shop', 'target:', ...CLOUD_RUN_RECIPE, '  env:', ...env].join('\n'), 'glidepath.yaml', {});
  if (plan.target?.type !== 'command') throw new Error('command target expected');
  const stateDir = join(dir, '.glidepath');
  mkdirSync(stateDir);
  const target = new CommandTarget({ config: plan.target, service: 'shop', planDir: dir, stateDir });
  await runCommand({ command: 'gcloud run deploy shop --image=eu.gcr.io/p/shop:v0', cwd: dir, env: standIn.env });
  // A version Cloud Run cannot tag (upper case, underscore) fails at deploy.
  return { target, good: ['v1', 'v2'], failing: 'Bad_Version', readsBackWeights: true, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
