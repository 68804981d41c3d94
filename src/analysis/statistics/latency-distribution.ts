/**
 * Latencies as an ordered distribution, from raw samples or from histogram buckets, so that order statistics can
 * be read with the uncertainty the input leaves: a sample is exact, a bucket only says "between its bounds".
 */

/** Histogram buckets: ascending upper bounds (ms, the last may be Infinity) and the count in each bucket (not cumulative). */
export interface LatencyHistogram {
  upperBounds: readonly number[];
  counts: readonly number[];
}

/** Latencies in milliseconds, as samples or histogram buckets. */
export type LatencyInput = readonly number[] | LatencyHistogram;

/** A range of latencies and how many observations fell in it (lower bound exclusive for buckets). */
interface Bin {
  lower: number;
  upper: number;
  count: number;
  /** Observations in all earlier bins. */
  before: number;
}

/** Latencies sorted into bins; `total` observations in all. */
export interface LatencyDistribution {
  total: number;
  bins: readonly Bin[];
}

/** The range the k-th smallest observation (1-based) lies in. */
export interface OrderStatistic {
  lower: number;
  upper: number;
  /** A point estimate: the value itself, or an interpolation inside its bucket (the lower bound for an open bucket). */
  estimate: number;
}

/** Sorts samples or buckets into a distribution; throws on values that are not latencies, naming the first bad one. */
export function latencyDistribution(input: LatencyInput, name = 'latencies'): LatencyDistribution {
  return isHistogram(input) ? fromHistogram(input, name) : fromSamples(input, name);
}

function isHistogram(input: LatencyInput): input is LatencyHistogram {
  return !Array.isArray(input);
}

function fromSamples(samples: readonly number[], name: string): LatencyDistribution {
  samples.forEach((value, i) => {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name}[${i}] must be a finite latency >= 0 ms, got ${value}`);
  });
  const sorted = [...samples].sort((a, b) => a - b);
  const bins: Bin[] = [];
  for (const value of sorted) {
    const last = bins.at(-1);
    if (last !== undefined && last.lower === value) last.count++;
    else bins.push({ lower: value, upper: value, count: 1, before: sorted.length });
  }
  let before = 0;
  for (const bin of bins) {
    bin.before = before;
    before += bin.count;
  }
  return { total: sorted.length, bins };
}

function fromHistogram(histogram: LatencyHistogram, name: string): LatencyDistribution {
  const { upperBounds, counts } = histogram;
  if (upperBounds.length !== counts.length) {
    throw new RangeError(`${name}: ${upperBounds.length} bucket bounds but ${counts.length} counts`);
  }
  const bins: Bin[] = [];
  let previous = 0;
  let total = 0;
  upperBounds.forEach((upper, i) => {
    const count = counts[i]!;
    if (!(upper > previous) || Number.isNaN(upper)) {
      throw new RangeError(`${name}: bucket bound ${i} (${upper}) must be greater than ${previous}`);
    }
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`${name}: bucket ${i} count must be an integer >= 0, got ${count}`);
    if (count > 0) bins.push({ lower: previous, upper, count, before: total });
    total += count;
    previous = upper;
  });
  return { total, bins };
}

/** The range of the k-th smallest observation, 1 ≤ k ≤ total. */
export function orderStatistic(distribution: LatencyDistribution, k: number): OrderStatistic {
  if (!(k >= 1 && k <= distribution.total)) throw new RangeError(`order statistic ${k} outside 1…${distribution.total}`);
  const { bins } = distribution;
  let low = 0;
  let high = bins.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    const bin = bins[middle]!;
    if (bin.before + bin.count < k) low = middle + 1;
    else high = middle;
  }
  const bin = bins[low]!;
  const estimate = bin.upper === Infinity ? bin.lower : bin.lower + ((bin.upper - bin.lower) * (k - bin.before)) / bin.count;
  return { lower: bin.lower, upper: bin.upper, estimate };
}
