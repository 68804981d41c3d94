/**
 * Special functions the sequential tests need, computed in log space so that evidence from millions of requests
 * neither overflows nor underflows: log-gamma, log-beta, and both tails of the regularized incomplete beta function.
 */

// Lanczos approximation, g = 7, nine coefficients (relative error near 1e-15 for x > 0).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** The natural logarithm of the gamma function, for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs a finite x > 0, got ${x}`);
  // Reflection keeps the approximation in its accurate range.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The natural logarithm of the beta function B(a, b) = Γ(a)Γ(b)/Γ(a+b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** log(1 − e^v) for v ≤ 0, accurate near both ends. */
export function log1mExp(v: number): number {
  if (v > 0) throw new RangeError(`log1mExp needs v <= 0, got ${v}`);
  return v > -Math.LN2 ? Math.log(-Math.expm1(v)) : Math.log1p(-Math.exp(v));
}

/** log(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** Both tails of the regularized incomplete beta function, as logarithms. */
export interface LogIncompleteBeta {
  /** log I_x(a, b), the lower tail: P(Θ ≤ x) for Θ ~ Beta(a, b). */
  lower: number;
  /** log(1 − I_x(a, b)), the upper tail: P(Θ > x). */
  upper: number;
}

/**
 * The regularized incomplete beta function I_x(a, b) and its complement, both as logarithms; the smaller tail is
 * always computed directly (never as 1 minus the larger), so tiny tails keep their precision.
 */
export function logIncompleteBeta(x: number, a: number, b: number): LogIncompleteBeta {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got a=${a} b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 <= x <= 1, got ${x}`);
  if (x === 0) return { lower: -Infinity, upper: 0 };
  if (x === 1) return { lower: 0, upper: -Infinity };
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  // The continued fraction converges fast below the mean-ish point; above it, use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) {
    const lower = logFront + Math.log(betaContinuedFraction(a, b, x)) - Math.log(a);
    return { lower, upper: log1mExp(Math.min(lower, 0)) };
  }
  const upper = logFront + Math.log(betaContinuedFraction(b, a, 1 - x)) - Math.log(b);
  return { lower: log1mExp(Math.min(upper, 0)), upper };
}

const TINY = 1e-300;
const EPSILON = 1e-15;

/** Lentz's evaluation of the incomplete beta continued fraction (Numerical Recipes, 3rd ed., §6.4). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const maxIterations = 1000 + Math.ceil(10 * Math.sqrt(Math.max(a, b)));
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) return h;
  }
  throw new RangeError(`incomplete beta did not converge for a=${a} b=${b} x=${x}`);
}
