/** Parsing of the plan's human units: durations (`250ms`, `2m`, `30d`), percentages and byte sizes. */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Milliseconds of a duration such as `250ms`, `1m30s`, `30d`; `undefined` when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  while (consumed < trimmed.length) {
    DURATION_PART.lastIndex = consumed;
    const match = DURATION_PART.exec(trimmed);
    if (!match) return undefined;
    total += Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
    consumed = DURATION_PART.lastIndex;
  }
  return Math.round(total);
}

/** Short human form of milliseconds: `850ms`, `2.5s`, `3m`, `1h30m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(2)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const d = Math.floor(totalSeconds / 86_400);
  const h = Math.floor((totalSeconds % 86_400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean).join('');
}

/** A fraction from `5%` (0.05) or a plain number `0.05`; `undefined` when the text is neither. */
export function parsePercent(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (match) return Number(match[1]) / 100;
  const plain = Number(text);
  return text.trim() !== '' && Number.isFinite(plain) ? plain : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Bytes of a size such as `512MiB`, `10GB`, `4096`; `undefined` when the text is not one. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase() || 'b';
  const factor = SIZE_UNITS[unit];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}
