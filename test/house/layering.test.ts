// The house rules hold: every folder of src/ has a layer, and lint catches an upward import and an overlong file.
import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const layers = (createRequire(import.meta.url)(join(repo, '.dependency-cruiser.cjs')) as { layers: string[][] }).layers;

/** Runs a lint program and returns its exit code and output instead of throwing on a non-zero exit. */
async function lint(program: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(bin(program), args, { cwd: repo });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** Writes probe files into src/ for one test and always removes them. */
async function withProbes<T>(files: Record<string, string>, body: (paths: string[]) => Promise<T>): Promise<T> {
  const paths = Object.keys(files).map((name) => join('src', name));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, 'src', name), text);
    return await body(paths);
  } finally {
    for (const path of paths) rmSync(join(repo, path), { force: true });
  }
}

describe('layering', () => {
  it('gives every folder of src/ a layer', () => {
    const known = new Set(layers.flat());
    const folders = readdirSync(join(repo, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'testing')
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !known.has(folder))).toEqual([]);
  });

  it('refuses an upward import (proxy → engine, analysis → engine) and passes the tree', { timeout: 120_000 }, async () => {
    const probe = "import type { ReleaseEngine } from '../engine/release-engine.js';\n/** Probe. */\nexport type Probe = ReleaseEngine;\n";
    const suffix = `house-probe-${process.pid}.ts`;
    await withProbes({ [`proxy/${suffix}`]: probe, [`analysis/${suffix}`]: probe }, async (paths) => {
      const result = await lint('depcruise', [...paths, '--config', '.dependency-cruiser.cjs']);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain(`layer-proxy: src/proxy/${suffix} → src/engine/release-engine.ts`);
      expect(result.output).toContain(`layer-analysis: src/analysis/${suffix} → src/engine/release-engine.ts`);
    });
    const tree = await lint('depcruise', ['src', '--config', '.dependency-cruiser.cjs']);
    expect(tree.output).toContain('no dependency violations');
  });

  it('refuses pg loaded anywhere but the one narrow client (src/shared/postgres-client.ts)', { timeout: 120_000 }, async () => {
    const probe = "/** Probe. */\nexport const probe = async (): Promise<unknown> => (await import('pg')).default;\n";
    const suffix = `house-probe-${process.pid}.ts`;
    await withProbes({ [`checks/${suffix}`]: probe }, async (paths) => {
      const result = await lint('depcruise', [...paths, '--config', '.dependency-cruiser.cjs']);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain(`one-postgres-client: src/checks/${suffix} →`);
    });
  });
});

describe('size and documentation', () => {
  it('refuses a module over the line limit and an undocumented export', { timeout: 120_000 }, async () => {
    const long = `/** Probe. */\nexport const values = [\n${Array.from({ length: 320 }, (_, i) => `  ${i},`).join('\n')}\n];\n`;
    const undocumented = 'export function probe(): number {\n  return 1;\n}\n';
    const suffix = `house-probe-${process.pid}`;
    await withProbes({ [`shared/${suffix}-long.ts`]: long, [`shared/${suffix}-undocumented.ts`]: undocumented }, async (paths) => {
      const result = await lint('eslint', paths);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/too many lines \(\d+\)\. Maximum allowed is 300/i);
      expect(result.output).toContain('Missing JSDoc comment');
    });
  });
});
