/**
 * glidepath backup + restore against plain `pg_dump -Fc` + `pg_restore` on the same pgbench database, in one
 * run, rounds alternating; then the peak memory of backing up a large file tree with the files driver, through
 * the real CLI (`glidepath backup run`, what users run) and as the library in a plain node process.
 *
 *   npm run build && npx tsx bench/backup/run.ts     # scale 10 (1M rows), 3 rounds, a 1 GiB tree
 *   BENCH_SCALE=50 BENCH_ROUNDS=5 BENCH_TREE_MB=2048 npx tsx bench/backup/run.ts
 *   BENCH_ONLY=files BENCH_TREE=/tmp/tree npx tsx bench/backup/run.ts   # files part only, on a tree kept between runs
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
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
const FILES_ROUNDS = Number(process.env.BENCH_FILES_ROUNDS ?? 3);
const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '../../bin/glidepath.js');

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
async function makeTree(root: string): Promise<void> {
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
}

/** Bytes and files below `dir`. */
async function treeSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const below = await treeSize(path);
      bytes += below.bytes;
      files += below.files;
    } else if (entry.isFile()) {
      bytes += (await stat(path)).size;
      files++;
    }
  }
  return { bytes, files };
}

/** `BENCH_TREE` when set (made there once, then reused), else a tree in `work`. */
async function treeFor(work: string): Promise<{ tree: string; bytes: number; files: number }> {
  const tree = process.env.BENCH_TREE ?? join(work, 'tree');
  if ((await readdir(tree).catch(() => [])).length === 0) await makeTree(tree);
  return { tree, ...(await treeSize(tree)) };
}

/** Runs `node bin/glidepath.js ARGS` in `cwd`; its stdout and peak RSS (VmHWM of /proc/PID/status, polled). */
async function cliPeak(args: string[], cwd: string): Promise<{ stdout: string; peakMb: number }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // Exited between two polls.
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`glidepath ${args.join(' ')} exited with ${String(code)} (run npm run build first)`);
  return { stdout, peakMb: Math.round(peakKb / 1024) };
}

const range = (values: number[]) => `${Math.min(...values)}–${Math.max(...values)}`;

async function filesBench(work: string): Promise<void> {
  const { tree, bytes, files } = await treeFor(work);
  const mbps = (ms: number) => Math.round(bytes / 1e6 / (ms / 1000));
  // The CLI: `glidepath backup run` of a plan whose only source is the tree, into a local store.
  const project = join(work, 'files-project');
  await mkdir(project, { recursive: true });
  const plan = { version: 1, service: 'bench', store: 'sqlite:state.db', backup: { sources: [{ name: 'tree', files: { path: tree } }], store: { dir: './backups' } } };
  await writeFile(join(project, 'glidepath.yaml'), JSON.stringify(plan));
  const rounds: { peakMb: number; ms: number; artifact: number }[] = [];
  for (let round = 0; round < FILES_ROUNDS; round++) {
    await rm(join(project, 'backups'), { recursive: true, force: true });
    const { stdout, peakMb } = await cliPeak(['backup', 'run', '--json'], project);
    const [record] = (JSON.parse(stdout) as { backups: { status: string; error: string | null; durationMs: number; size: number }[] }).backups;
    if (record?.status !== 'succeeded') throw new Error(record?.error ?? 'backup failed');
    rounds.push({ peakMb, ms: record.durationMs, artifact: record.size });
    console.error(`files round ${round + 1}: peak ${peakMb} MB, ${mbps(record.durationMs)} MB/s`);
  }
  // At rest: the same CLI with the same modules and catalog, listing instead of backing up.
  const { peakMb: restMb } = await cliPeak(['backup', 'list', '--json'], project);
  const peaks = rounds.map((r) => r.peakMb);
  const speeds = rounds.map((r) => mbps(r.ms));
  console.log(`files: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${files} files -> tar.gz ${(rounds[0]!.artifact / 1e6).toFixed(0)} MB, ${FILES_ROUNDS} rounds, medians:`);
  console.log(`  glidepath backup run      peak RSS ${median(peaks)} MB (${range(peaks)}; goal < 100 MB), ${median(speeds)} MB/s (${range(speeds)})`);
  console.log(`  glidepath backup list     peak RSS ${restMb} MB (the CLI at rest: same modules and catalog)`);

  // The library alone in a plain node process (V8's default young generation, as when embedded).
  const child = spawn(process.execPath, [join(here, 'files-memory.mjs'), tree, join(work, 'files-store')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`files-memory.mjs exited with ${String(code)} (run npm run build first)`);
  const result = JSON.parse(out) as { artifactBytes: number; ms: number; baselineMb: number; peakRssMb: number };
  console.log(`  library under plain node  peak RSS ${result.peakRssMb} MB, ${result.baselineMb} MB before the backup started, ${mbps(result.ms)} MB/s`);
}

const work = await mkdtemp(join(tmpdir(), 'glidepath-bench-backup-'));
try {
  if (process.env.BENCH_ONLY !== 'files') await postgresBench(work);
  if (process.env.BENCH_ONLY !== 'postgres') await filesBench(work);
} finally {
  await rm(work, { recursive: true, force: true });
}
