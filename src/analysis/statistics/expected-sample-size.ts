/**
 * The theoretical yardstick for detection speed: Wald's approximation of the expected sample size of a sequential
 * probability ratio test that knows the true regression, E[N] ≈ log(1/alpha) / KL(alternative ‖ null) per
 * observation. No test that must also work without knowing the regression can be expected to beat it; a mixture
 * test pays a modest (logarithmic) premium over it.
 */

/** Kullback–Leibler divergence between Bernoulli(p) and Bernoulli(q), in nats. */
export function bernoulliDivergence(p: number, q: number): number {
  const term = (x: number, y: number): number => (x === 0 ? 0 : x * Math.log(x / y));
  return term(p, q) + term(1 - p, 1 - q);
}

/** A regression scenario of the error-rate test. */
export interface ErrorRegression {
  canaryRate: number;
  stableRate: number;
  /** The canary's share of requests, 0…1. */
  weight: number;
  alpha: number;
  /** As in the test: the null is canary rate ≤ stable rate × (1 + tolerance) (default 0). */
  tolerance?: number;
}

/**
 * Expected canary requests until an SPRT that knows the true rates fails the canary: errors needed by Wald's
 * approximation, converted to requests through the overall error rate and the canary's share.
 */
export function expectedCanaryRequestsToDetect(scenario: ErrorRegression): number {
  const { canaryRate, stableRate, weight, alpha } = scenario;
  const rho0 = 1 + (scenario.tolerance ?? 0);
  const share = (rho: number): number => (rho * weight) / (rho * weight + 1 - weight);
  const rho1 = canaryRate / stableRate;
  if (!(rho1 > rho0)) return Infinity;
  const errorsNeeded = Math.log(1 / alpha) / bernoulliDivergence(share(rho1), share(rho0));
  const errorsPerRequest = weight * canaryRate + (1 - weight) * stableRate;
  return (weight * errorsNeeded) / errorsPerRequest;
}
