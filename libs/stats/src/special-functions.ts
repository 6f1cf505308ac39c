/**
 * Special functions behind the p-values: log-gamma, the complementary error function, the normal and
 * Student-t tails and the regularized incomplete beta function. Float64 throughout; each routine states the
 * method and the accuracy it is tested to (`__tests__/special-functions.test.ts` compares with values
 * computed independently: closed forms and exact rational series).
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const TINY = 1e-300;
const EPS = 1e-16;
const MAX_ITERATIONS = 100_000;

/**
 * Stirling-series coefficients B_{2k} / (2k (2k-1)) for B_2..B_14 (Bernoulli numbers 1/6, -1/30, 1/42, -1/30,
 * 5/66, -691/2730, 7/6). With the argument shifted to x >= 15 the first omitted term is below 1e-19.
 */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];
const STIRLING_SHIFT = 15;

/**
 * Natural logarithm of the gamma function for x > 0.
 *
 * Method: recurrence ln Γ(x) = ln Γ(x + k) - ln(x (x+1) ... (x+k-1)) to reach x + k >= 15, then the
 * Stirling series (x - 1/2) ln x - x + ln √(2π) + Σ B_{2k} / (2k (2k-1) x^{2k-1}). Absolute error < 1e-14
 * for x < 15 (the shift's logarithm cancels), relative ~1e-15 above.
 * @throws RangeError when x <= 0 or is not finite.
 */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma: x must be finite and > 0, got ${x}`);
  let shift = 0;
  if (x < STIRLING_SHIFT) {
    // Product of the shifted factors; it stays far below overflow (< 15! ≈ 1.3e12 times x).
    let product = 1;
    while (x < STIRLING_SHIFT) {
      product *= x;
      x += 1;
    }
    shift = Math.log(product);
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  let series = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) series = series * inv2 + STIRLING[k];
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + series * inv - shift;
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * exp(-x²) with x² carried as an unevaluated sum hi + lo (Dekker's split), so the result keeps full relative
 * precision even when x² is large (a plain Math.exp(-x * x) loses ~x² ulps).
 */
function expMinusSquare(x: number): number {
  const split = 134217729 * x; // 2^27 + 1
  const xh = split - (split - x);
  const xl = x - xh;
  const hi = x * x;
  const lo = xh * xh - hi + 2 * xh * xl + xl * xl;
  return Math.exp(-hi) * (1 - lo);
}

/**
 * Complementary error function erfc(x) = 2/√π ∫_x^∞ e^{-t²} dt.
 *
 * Method: for |x| < 1.5 the positive series erf(x) = 2/√π e^{-x²} Σ 2^n x^{2n+1} / (1·3···(2n+1)) and
 * erfc = 1 - erf; for x >= 1.5 the continued fraction erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/
 * (x + ...)))) evaluated by the modified Lentz method; erfc(-x) = 2 - erfc(x). Relative error ~1e-15.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < EPS * sum) break;
    }
    return 1 - 2 * INV_SQRT_PI * expMinusSquare(x) * sum;
  }
  if (x > 27.3) return 0; // erfc(27.3) < 2^-1074: underflows to zero.
  // Lentz: f = b0 + a1/(b1 + a2/(b2 + ...)), b_k = x, a_k = k/2.
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < MAX_ITERATIONS; k++) {
    const a = k / 2;
    d = x + a * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = x + a / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return (INV_SQRT_PI * expMinusSquare(x)) / f;
}

/** Standard normal survival function P(Z > z) = erfc(z / √2) / 2 (accurate in the far upper tail). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z * Math.SQRT1_2);
}

/** Standard normal CDF P(Z <= z) = erfc(-z / √2) / 2. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

/**
 * Continued fraction of the incomplete beta function (Lentz), valid and fast for x < (a + 1) / (a + b + 2):
 * I_x(a, b) = x^a y^b / (a B(a, b)) · 1/(1 + d1/(1 + d2/(1 + ...))), d_{2m+1} = -(a+m)(a+b+m) x /
 * ((a+2m)(a+2m+1)), d_{2m} = m (b-m) x / ((a+2m-1)(a+2m)).
 */
function betaContinuedFraction(a: number, b: number, x: number, y: number): number {
  const logFront = a * Math.log(x) + b * Math.log(y) - logBeta(a, b);
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let f = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + num / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + num / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return (Math.exp(logFront) * f) / a;
}

/**
 * Regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b) and its complement 1 - I_x(a, b),
 * both computed without cancellation.
 *
 * @param a - shape a > 0.
 * @param b - shape b > 0.
 * @param x - in [0, 1].
 * @param y - 1 - x; pass it when it is known more precisely than `1 - x` (e.g. t²/(ν + t²)).
 * @returns `{ lower: I_x(a, b), upper: 1 - I_x(a, b) }`.
 *
 * Method: the continued fraction above, applied to (a, b, x) when x < (a+1)/(a+b+2) and otherwise to the
 * symmetric (b, a, 1-x) (I_x(a, b) = 1 - I_{1-x}(b, a)); the tail that is computed directly keeps full
 * relative precision. [Press et al., Numerical Recipes, 3rd ed., §6.4; Lentz 1976.]
 * @throws RangeError on a, b <= 0 or x outside [0, 1].
 */
export function regularizedIncompleteBeta(
  a: number,
  b: number,
  x: number,
  y: number = 1 - x,
): { lower: number; upper: number } {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`regularizedIncompleteBeta: a and b must be > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1) || !(y >= 0 && y <= 1)) {
    throw new RangeError(`regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  }
  if (x === 0) return { lower: 0, upper: 1 };
  if (y === 0) return { lower: 1, upper: 0 };
  if (x < (a + 1) / (a + b + 2)) {
    const lower = betaContinuedFraction(a, b, x, y);
    return { lower, upper: 1 - lower };
  }
  const upper = betaContinuedFraction(b, a, y, x);
  return { lower: 1 - upper, upper };
}

/**
 * Student-t survival function P(T > t) with ν degrees of freedom (ν > 0, t may be ±Infinity).
 *
 * Uses P(T > t) = I_{ν/(ν+t²)}(ν/2, 1/2) / 2 for t >= 0 and symmetry for t < 0, with 1 - x = t²/(ν + t²)
 * passed exactly, as Cephes' `stdtr` (scipy.special.stdtr) does for its tail branch.
 */
export function studentTSf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTSf: degrees of freedom must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const t2 = t * t;
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  const { lower } = regularizedIncompleteBeta(df / 2, 0.5, x, y);
  return t >= 0 ? 0.5 * lower : 1 - 0.5 * lower;
}
