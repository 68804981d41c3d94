/**
 * The discrete mixture behind the error-rate test: a grid of rate ratios ρ (canary rate / stable rate), spaced
 * evenly in log ρ around the null boundary ρ0, and prior weights for "how much worse (or better) than the point
 * tested". A discrete prior is an exact mixture, not an approximation of one: the e-values it yields are valid
 * for any grid; a finer grid only changes power.
 */

/** Shape of the ratio grid. */
export interface RatioGridOptions {
  /** Grid points per doubling of the ratio (default 8: steps of about 9%). */
  stepsPerDoubling?: number;
  /** How many doublings the grid spans on each side of ρ0 (default 8: ρ0/256 … 256·ρ0). */
  doublings?: number;
}

/** Default grid points per doubling of the ratio. */
export const DEFAULT_STEPS_PER_DOUBLING = 8;
/** Default span of the ratio grid in doublings either side of ρ0. */
export const DEFAULT_DOUBLINGS = 8;

/** A ratio grid: `logRatios[center]` is log ρ0, and `logWeights[d]` the prior weight of a point d steps away. */
export interface RatioGrid {
  center: number;
  logRatios: Float64Array;
  /** The ratios themselves, exp(logRatios). */
  ratios: Float64Array;
  /** Index 0 unused (−∞); index d ≥ 1 is the weight of the alternative d grid steps beyond the tested point. */
  logWeights: Float64Array;
}

/**
 * Builds the grid around ρ0. The prior on the relative ratio r = ρ/ρ_tested puts u = r/(1+r) uniform on [1/2, 1)
 * (a Beta(1,1) truncated to the alternative side, as in the closed-form mixture): each grid cell
 * [2^((d−1)/S), 2^(d/S)) gets that prior's mass, placed on its upper end.
 */
export function createRatioGrid(rho0: number, options: RatioGridOptions = {}): RatioGrid {
  const steps = options.stepsPerDoubling ?? DEFAULT_STEPS_PER_DOUBLING;
  const doublings = options.doublings ?? DEFAULT_DOUBLINGS;
  if (!(rho0 > 0) || !Number.isFinite(rho0)) throw new RangeError(`the null ratio must be positive, got ${rho0}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`stepsPerDoubling must be a positive integer, got ${steps}`);
  if (!Number.isInteger(doublings) || doublings < 1) throw new RangeError(`doublings must be a positive integer, got ${doublings}`);
  const half = steps * doublings;
  const logRatios = new Float64Array(2 * half + 1);
  const step = Math.LN2 / steps;
  for (let j = 0; j < logRatios.length; j++) logRatios[j] = Math.log(rho0) + (j - half) * step;
  const ratios = logRatios.map(Math.exp);
  const logWeights = new Float64Array(2 * half + 1).fill(-Infinity);
  const u = (logR: number): number => 1 / (1 + Math.exp(-logR));
  for (let d = 1; d <= 2 * half; d++) logWeights[d] = Math.log(2 * (u(d * step) - u((d - 1) * step)));
  return { center: half, logRatios, ratios, logWeights };
}
