/**
 * The one-sided beta-binomial mixture e-value: evidence that a stream of Bernoulli outcomes succeeds more (or less)
 * often than p0. The alternative is a Beta(a, b) prior truncated to the far side of p0; against any success
 * probability on the near side (the composite null) the likelihood ratio of every alternative point is a
 * nonnegative supermartingale, so their mixture is too, and by Ville's inequality the chance that it ever reaches
 * 1/alpha is at most alpha, however often it is looked at. This is the two-category case of the Dirichlet-
 * multinomial test of Lindon & Malek (2022), made one-sided.
 */
import { logBeta, logIncompleteBeta } from './special-functions.js';

/** Which side of p0 the alternative lies on. */
export type MixtureSide = 'greater' | 'less';

/** Counts and prior of one beta-binomial mixture. */
export interface BetaBinomialMixtureInput {
  successes: number;
  failures: number;
  /** The boundary of the null: success probability ≤ p0 (side `greater`) or ≥ p0 (side `less`). */
  p0: number;
  side: MixtureSide;
  /** Beta prior parameters before truncation to the alternative side. */
  a: number;
  b: number;
}

/** The natural logarithm of the one-sided beta-binomial mixture e-value (0 when there are no observations). */
export function betaBinomialLogEValue(input: BetaBinomialMixtureInput): number {
  const { successes: k, failures: m, p0, side, a, b } = input;
  if (!(p0 > 0 && p0 < 1)) throw new RangeError(`p0 must lie strictly between 0 and 1, got ${p0}`);
  if (!(k >= 0 && m >= 0)) throw new RangeError(`counts must be nonnegative, got ${k} and ${m}`);
  if (k === 0 && m === 0) return 0;
  const tail = (aa: number, bb: number): number => {
    const both = logIncompleteBeta(p0, aa, bb);
    return side === 'greater' ? both.upper : both.lower;
  };
  const logMarginal = logBeta(a + k, b + m) + tail(a + k, b + m) - logBeta(a, b) - tail(a, b);
  const logNull = (k === 0 ? 0 : k * Math.log(p0)) + (m === 0 ? 0 : m * Math.log1p(-p0));
  return logMarginal - logNull;
}
