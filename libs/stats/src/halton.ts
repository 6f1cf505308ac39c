export interface HaltonOptions {
  /** Only the unscrambled sequence is supported (scipy's scrambling draws from numpy's RNG). Default false. */
  readonly scramble?: false;
  /** Index of the first point (points already generated); default 0, so the first point is the origin. */
  readonly skip?: number;
}

const MAX_INDEX = Number.MAX_SAFE_INTEGER;

/** The first d primes (bases of the Halton sequence). */
export function firstPrimes(d: number): number[] {
  const primes: number[] = [];
  for (let c = 2; primes.length < d; c++) {
    if (primes.every((p) => p * p > c || c % p !== 0)) primes.push(c);
  }
  return primes;
}

/**
 * Radical inverse of `index` in `base`: the digits of index reversed behind the radix point. The
 * accumulation order (digit × b^-k added least-significant digit first, b^-k obtained by repeated division)
 * is scipy's `van_der_corput`, so the doubles agree to the bit.
 */
export function radicalInverse(index: number, base: number): number {
  let quotient = index;
  let scale = 1 / base;
  let value = 0;
  while (quotient > 0) {
    const digit = quotient % base;
    value += digit * scale;
    scale /= base;
    quotient = Math.floor(quotient / base);
  }
  return value;
}

function checkDimension(fn: string, d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${fn}: d must be an integer >= 1, got ${d}`);
}

/**
 * Point number `index` (0-based) of the d-dimensional unscrambled Halton sequence, so that a worker can
 * compute trial k alone: haltonPoint(k, d) equals row k of halton(d, k + 1).
 * @throws RangeError when index is not a safe non-negative integer or d < 1.
 */
export function haltonPoint(index: number, d: number): number[] {
  checkDimension('haltonPoint', d);
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`haltonPoint: index must be a non-negative safe integer, got ${index}`);
  }
  return firstPrimes(d).map((b) => radicalInverse(index, b));
}

/**
 * The first n points of the unscrambled d-dimensional Halton sequence, equal to
 * `scipy.stats.qmc.Halton(d, scramble=False).random(n)` (after `skip` points were drawn).
 *
 * @param d - dimension >= 1.
 * @param n - number of points >= 0.
 * @param options - `scramble` (only `false`), `skip` (default 0).
 * @returns n rows of d coordinates in [0, 1).
 * @throws RangeError on a bad d, n or skip, or `scramble: true`.
 *
 * **Definition.** Coordinate j of point i is the radical inverse φ_{p_j}(i + skip) = Σ_k a_k p_j^{-(k+1)},
 * where i + skip = Σ_k a_k p_j^k in base p_j, the j-th prime. The first point (index 0) is the origin.
 *
 * **References.** J. H. Halton, "On the efficiency of certain quasi-random sequences of points in evaluating
 * multi-dimensional integrals", Numer. Math. 2:84-90, 1960. scipy.stats.qmc.Halton,
 * https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.qmc.Halton.html
 *
 * @example
 * halton(2, 3); // [[0, 0], [0.5, 0.3333333333333333], [0.25, 0.6666666666666666]]
 */
export function halton(d: number, n: number, options: HaltonOptions = {}): number[][] {
  const { scramble = false, skip = 0 } = options;
  checkDimension('halton', d);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`halton: n must be an integer >= 0, got ${n}`);
  if (scramble !== false) {
    throw new RangeError('halton: only scramble: false is supported (scrambling depends on numpy\'s random generator)');
  }
  if (!Number.isInteger(skip) || skip < 0 || skip + n > MAX_INDEX) {
    throw new RangeError(`halton: skip must be an integer >= 0 with skip + n a safe integer, got ${skip}`);
  }
  const bases = firstPrimes(d);
  const points: number[][] = [];
  for (let i = 0; i < n; i++) points.push(bases.map((b) => radicalInverse(skip + i, b)));
  return points;
}

/**
 * Maps unit-cube points to log-uniform ranges: 10 ** (u (log10 hi - log10 lo) + log10 lo) per coordinate,
 * i.e. `10 ** scipy.stats.qmc.scale(points, log10(lo), log10(hi))`, in that operation order.
 *
 * @param points - rows of d coordinates in [0, 1].
 * @param bounds - d pairs [lo, hi] with 0 < lo < hi (finite).
 * @returns rows of d values in [lo, hi], within 1 ulp of the exact 10^v (V8's `**` is not correctly rounded:
 *   10 ** -5 is 9.999999999999999e-6).
 * @throws RangeError on a dimension mismatch, a coordinate outside [0, 1] or bad bounds.
 *
 * **Definition.** v = 10^(l + u (h - l)), l = log10 lo, h = log10 hi (qmc.scale computes u·(h - l) + l).
 *
 * **References.** scipy.stats.qmc.scale; J. Bergstra, Y. Bengio, "Random search for hyper-parameter
 * optimization", JMLR 13:281-305, 2012 (log-uniform ranges for learning rates).
 *
 * @example
 * logUniformScale([[0.5, 0.5]], [[1e-4, 1e-1], [1e-6, 1e-4]]); // [[0.0031622776601683794, 0.000009999999999999999]]
 */
export function logUniformScale(points: ArrayLike<ArrayLike<number>>, bounds: ArrayLike<readonly [number, number]>): number[][] {
  const d = bounds.length;
  const logs: [number, number][] = [];
  for (let j = 0; j < d; j++) {
    const [lo, hi] = bounds[j];
    if (!(lo > 0) || !(hi > lo) || !Number.isFinite(hi)) {
      throw new RangeError(`logUniformScale: bounds[${j}] must satisfy 0 < lower < upper < Infinity, got [${lo}, ${hi}]`);
    }
    logs.push([Math.log10(lo), Math.log10(hi)]);
  }
  const out: number[][] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p.length !== d) throw new RangeError(`logUniformScale: points[${i}] has ${p.length} coordinates, bounds have ${d}`);
    const row: number[] = [];
    for (let j = 0; j < d; j++) {
      const u = p[j];
      if (!(u >= 0 && u <= 1)) throw new RangeError(`logUniformScale: points[${i}][${j}] = ${u} is outside [0, 1]`);
      const [l, h] = logs[j];
      row.push(10 ** (u * (h - l) + l));
    }
    out.push(row);
  }
  return out;
}
