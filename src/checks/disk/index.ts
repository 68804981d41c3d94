/** `disk` check: how full the filesystem holding a path is (statfs), against a limit. */
import { statfs } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { parsePercent } from '../../shared/duration.js';
import { byteSize } from '../../shared/units-schema.js';
import type { Check, CheckDeps } from '../check.js';
import { fillConfigPlaceholders } from '../placeholders.js';
import { probe, type ProbeOutcome } from '../probe.js';

/** Used share of the filesystem above which the check fails when the plan gives no limit. */
export const DEFAULT_MAX_USED_PERCENT = 90;

const percent = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const parsed = typeof value === 'number' ? value : parseUsedPercent(value);
    if (parsed === undefined || parsed < 0 || parsed > 100) {
      ctx.addIssue({ code: 'custom', message: `expected a percentage from 0 to 100 like 90 or "90%", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return parsed;
  });

/** `90%` or `90` → 90 (a percentage, not a fraction: 0.9 means 0.9 %). */
function parseUsedPercent(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed.endsWith('%')) {
    const fraction = parsePercent(trimmed);
    return fraction === undefined ? undefined : fraction * 100;
  }
  return trimmed === '' || !Number.isFinite(Number(trimmed)) ? undefined : Number(trimmed);
}

/** Configuration of a `disk` check. */
export const diskCheckSchema = z
  .strictObject({
    path: z.string().min(1).default('.').describe("A path on the filesystem to check, relative to the plan's directory. Default: the plan's directory."),
    maxUsedPercent: percent
      .default(DEFAULT_MAX_USED_PERCENT)
      .describe(`Highest acceptable used share of the filesystem, as 90 or "90%". Default: ${DEFAULT_MAX_USED_PERCENT}%.`),
    minFree: byteSize('Least free space that must remain for unprivileged users, e.g. 5GiB.').optional(),
  })
  .describe('Checks how full the filesystem holding a path is, the way df reports it.');

/** Parsed configuration of a `disk` check (durations in ms, defaults applied). */
export type DiskCheckConfig = z.output<typeof diskCheckSchema>;

/** Creates a `disk` check. */
export function createDiskCheck(config: DiskCheckConfig, deps: CheckDeps): Check {
  const filled = fillConfigPlaceholders(config, deps.variables);
  const path = resolvePath(deps.cwd, filled.path);
  const label = `disk ${path}`;
  return {
    kind: 'disk',
    run: ({ signal }) => probe(signal, () => measure(filled, path, label), { label }),
  };
}

async function measure(config: DiskCheckConfig, path: string, label: string): Promise<ProbeOutcome> {
  let stats: Awaited<ReturnType<typeof statfs>>;
  try {
    stats = await statfs(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { status: 'fail', detail: `${label}: path does not exist` };
    throw error;
  }
  // As df computes it: root-reserved blocks count neither as used nor as available.
  const used = (stats.blocks - stats.bfree) * stats.bsize;
  const available = stats.bavail * stats.bsize;
  const usable = used + available;
  const usedPercent = usable === 0 ? 0 : Math.round((used / usable) * 1000) / 10;
  const data = { usedPercent, usedBytes: used, freeBytes: available, totalBytes: stats.blocks * stats.bsize };
  const summary = `${usedPercent}% used, ${formatBytes(available)} free`;
  if (usedPercent > config.maxUsedPercent) {
    return { status: 'fail', detail: `${label}: ${summary}, max ${config.maxUsedPercent}% used`, data };
  }
  if (config.minFree !== undefined && available < config.minFree) {
    return { status: 'fail', detail: `${label}: ${summary}, min ${formatBytes(config.minFree)} free`, data };
  }
  return { status: 'pass', detail: `${label}: ${summary}`, data };
}

/** `12.3 GiB`, `512 MiB`, `900 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit] ?? 'B'}`;
}
