/**
 * glidepath backup + restore against plain `pg_dump -Fc` + `pg_restore` on the same pgbench database, in one
 * run, rounds alternating; then the peak memory of backing up a large file tree with the files driver.
 *
 *   npm run build && npx tsx bench/backup/run.ts     # scale 10 (1M rows), 3 rounds, a 1 GiB tree
 *   BENCH_SCALE=50 BENCH_ROUNDS=5 BENCH_TREE_MB=2048 npx tsx bench/backup/run.ts
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { planRestore, restoreBackup, runBackups } from '../../src/backups/index.js';
import { loadPlan } from '../../src/plan/load.js';
import { openStore } from '../../src/store/store.js';
import { startPostgresCluster } from '../../src/testing/postgres-cluster.js';
import { findProgram } from '../../src/testing/require-program.js';

const run = promisify(execFile);
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TREE_MB = Number(process.env.BENCH_TREE_MB ?? 1024);
const here = dirname(fileURLToPath(import.meta.url));

const program = (name: string) => {
  const path = findProgram(name);
  if (!path) throw new Error(`missing program ${name}`);
  return path;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function postgresBench(work: string): Promise<void> {
  const cluster = await startPostgresCluster();
  try {
    const source = await cluster.createDatabase('bench');
    console.error(`pgbench -i -s ${SCALE} …`);
    await run(program('pgbench'), ['-i', '-s', String(SCALE), '-q', source], { timeout: 600_000 });
    await writeFile(join(work, 'glidepath.yaml'), JSON.stringify({ version: 1, service: 'bench', backup: { sources: [{ name: 'db', postgres: { url: source } }], store: { dir: './backups' } } }));
    const { plan, dir } = loadPlan('glidepath.yaml', {}, work);
    const store = await openStore('sqlite:state.db', { baseDir: work });
    const rows: { plain: [number, number]; glidepath: [number, number] }[] = [];
    let artifact = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const plainTarget = await cluster.createDatabase(`plain_${round}`);
        const oursTarget = await cluster.createDatabase(`ours_${round}`);
        const file = join(work, `plain-${round}.dump`);
        const plainSide = async (): Promise<[number, number]> => [
          await timed(() => run(program('pg_dump'), ['--format=custom', `--file=${file}`, `--dbname=${source}`], { timeout: 600_000 })),
          await timed(() => run(program('pg_restore'), [`--dbname=${plainTarget}`, '--exit-on-error', file], { timeout: 600_000 })),
        ];
        const oursSide = async (): Promise<[number, number]> => {
          let id = '';
          const backupMs = await timed(async () => {
            const [record] = await runBackups({ plan, planDir: dir, store });
            if (record?.status !== 'succeeded') throw new Error(record?.error ?? 'backup failed');
            id = record.id;
            artifact = record.size ?? 0;
          });
          const restoreMs = await timed(async () => {
            const restore = await planRestore({ store, plan, planDir: dir, id, to: oursTarget });
            await restoreBackup({ store, plan, planDir: dir, restore, safetyBackup: false });
          });
          return [backupMs, restoreMs];
        };
        // Alternate which side goes first, so neither always meets a warm (or cold) cache.
        const [first, second] = round % 2 === 0 ? [await plainSide(), await oursSide()] : [await oursSide(), await plainSide()].reverse();
        rows.push({ plain: first as [number, number], glidepath: second as [number, number] });
        const r = rows.at(-1)!;
        console.error(`round ${round + 1}: plain ${r.plain.map((v) => v.toFixed(0)).join('+')} ms, glidepath ${r.glidepath.map((v) => v.toFixed(0)).join('+')} ms`);
        await rm(file, { force: true });
      }
    } finally {
      await store.close();
    }
    const plain = median(rows.map((r) => r.plain[0] + r.plain[1]));
    const ours = median(rows.map((r) => r.glidepath[0] + r.glidepath[1]));
    console.log(`postgres pgbench -s ${SCALE} (${(SCALE * 100_000).toLocaleString('en')} accounts), artifact ${(artifact / 1e6).toFixed(1)} MB, ${ROUNDS} rounds, medians:`);
    console.log(`  pg_dump + pg_restore      dump ${median(rows.map((r) => r.plain[0])).toFixed(0)} ms + restore ${median(rows.map((r) => r.plain[1])).toFixed(0)} ms = ${plain.toFixed(0)} ms`);
    console.log(`  glidepath backup+restore  dump ${median(rows.map((r) => r.glidepath[0])).toFixed(0)} ms + restore ${median(rows.map((r) => r.glidepath[1])).toFixed(0)} ms = ${ours.toFixed(0)} ms`);
    console.log(`  ratio glidepath / plain   ${(ours / plain).toFixed(3)} (goal <= 1.1)`);
  } finally {
    await cluster.stop();
  }
}

/** Files of 1–64 MiB, half random (incompressible), half repetitive text, `TREE_MB` in all. */
async function makeTree(root: string): Promise<number> {
  let total = 0;
  let n = 0;
  const target = TREE_MB * 1024 * 1024;
  while (total < target) {
    const size = Math.min(target - total, (1 + (n % 64)) * 1024 * 1024);
    const path = join(root, `d${n % 8}`, `f${n}.bin`);
    await mkdir(dirname(path), { recursive: true });
    const chunk = n % 2 === 0 ? randomBytes(size) : Buffer.from('glidepath backup bench line\n'.repeat(Math.ceil(size / 28)).slice(0, size));
    await writeFile(path, chunk);
    total += size;
    n++;
  }
  return n;
}

async function filesBench(work: string): Promise<void> {
  const tree = join(work, 'tree');
  const files = await makeTree(tree);
  const child = spawn(process.execPath, [join(here, 'files-memory.mjs'), tree, join(work, 'files-store')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`files-memory.mjs exited with ${String(code)} (run npm run build first)`);
  const result = JSON.parse(out) as { artifactBytes: number; ms: number; baselineMb: number; peakRssMb: number };
  const treeBytes = TREE_MB * 1024 * 1024;
  console.log(`files: ${TREE_MB} MiB in ${files} files -> tar.gz ${(result.artifactBytes / 1e6).toFixed(0)} MB in ${(result.ms / 1000).toFixed(1)} s (${(treeBytes / 1e6 / (result.ms / 1000)).toFixed(0)} MB/s)`);
  console.log(`  peak RSS of the backing-up process ${result.peakRssMb} MB (goal < 100 MB); ${result.baselineMb} MB before the backup started`);
}

const work = await mkdtemp(join(tmpdir(), 'glidepath-bench-backup-'));
try {
  if (process.env.BENCH_ONLY !== 'files') await postgresBench(work);
  if (process.env.BENCH_ONLY !== 'postgres') await filesBench(work);
} finally {
  await rm(work, { recursive: true, force: true });
}
