// Child of bench/backup/run.ts: backs up one directory with the files driver into a local store and prints
// `{ artifactBytes, ms, baselineMb, peakRssMb }` (peak RSS from /proc/self/status VmHWM). It runs the BUILT
// modules (dist/, `npm run build` first) under plain node, so a TypeScript loader's own memory does not count,
// and without bin/glidepath.js: V8's default young generation, as when the library is embedded (or in the daemon).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { backupSource } from '../../dist/backups/backup-source.js';
import { createFilesDriver } from '../../dist/backups/files/index.js';
import { createLocalStore } from '../../dist/backups/stores/local/index.js';
import { openStore } from '../../dist/store/store.js';

const peakMb = () => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024);
const [tree, storeDir] = process.argv.slice(2);
if (!tree || !storeDir) throw new Error('usage: files-memory.mjs TREE STORE_DIR');
const catalog = await openStore('sqlite::memory:', { baseDir: storeDir });
const baselineMb = peakMb();
const started = performance.now();
const record = await backupSource({
  service: 'bench',
  source: 'tree',
  driver: createFilesDriver({ path: tree }),
  artifacts: createLocalStore(storeDir),
  catalog: catalog.backups,
  reason: 'manual',
});
const ms = Math.round(performance.now() - started);
await catalog.close();
if (record.status !== 'succeeded') throw new Error(record.error ?? 'backup failed');
process.stdout.write(`${JSON.stringify({ artifactBytes: record.size, ms, baselineMb, peakRssMb: peakMb() })}\n`);
