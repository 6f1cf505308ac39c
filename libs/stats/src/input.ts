/**
 * How a measure treats non-finite values in its inputs.
 *
 * - `'raise'` (default everywhere): any NaN, +Infinity or -Infinity throws a {@link RangeError} naming the
 *   argument and the first offending index, so a silent wrong number can never come out.
 * - `'propagate'`: any NaN makes the result NaN (statistic and p-value), as scipy's default does;
 *   ±Infinity are kept as ordinary, ordered values.
 * - `'omit'`: pairs in which either value is NaN or ±Infinity are dropped before computing
 *   (like scipy's `nan_policy='omit'`, which masks invalid values); the remaining pairs must still satisfy
 *   the measure's minimum length.
 */
export type NanPolicy = 'raise' | 'propagate' | 'omit';

/** The alternative hypothesis of a test. */
export type Alternative = 'two-sided' | 'less' | 'greater';

/** Paired samples after validation: copies as float64, equal length, policy applied. */
export interface PairedSample {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** True when `nanPolicy` is `'propagate'` and a NaN was seen: the caller returns NaN. */
  readonly hasNaN: boolean;
}

function toFloat64(values: ArrayLike<number>, name: string, fn: string): Float64Array {
  if (values === null || values === undefined || typeof values.length !== 'number') {
    throw new TypeError(`${fn}: ${name} must be an array-like of numbers`);
  }
  // Typed float arrays hold only numbers: copy without per-element checks.
  if (values instanceof Float64Array || values instanceof Float32Array) return Float64Array.from(values);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') {
      throw new TypeError(`${fn}: ${name}[${i}] must be a number, got ${typeof v}`);
    }
    out[i] = v;
  }
  return out;
}

function firstNonFinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return i;
  }
  return -1;
}

/**
 * Validate two paired samples: same length, at least `minLength` pairs (after omission), non-finite values
 * handled by `policy`. Always returns fresh Float64Array copies, so callers may reorder them freely.
 */
export function pairedSample(
  xIn: ArrayLike<number>,
  yIn: ArrayLike<number>,
  fn: string,
  policy: NanPolicy = 'raise',
  minLength = 2,
): PairedSample {
  let x = toFloat64(xIn, 'x', fn);
  let y = toFloat64(yIn, 'y', fn);
  if (x.length !== y.length) {
    throw new RangeError(`${fn}: x and y must have the same length, got ${x.length} and ${y.length}`);
  }
  let hasNaN = false;
  if (policy === 'raise') {
    for (const [name, v] of [['x', x], ['y', y]] as const) {
      const i = firstNonFinite(v);
      if (i >= 0) {
        throw new RangeError(
          `${fn}: ${name}[${i}] is ${v[i]}; inputs must be finite (pass nanPolicy 'propagate' or 'omit' to allow it)`,
        );
      }
    }
  } else if (policy === 'propagate') {
    for (let i = 0; i < x.length && !hasNaN; i++) hasNaN = Number.isNaN(x[i]) || Number.isNaN(y[i]);
  } else if (policy === 'omit') {
    let kept = 0;
    for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) kept++;
    if (kept !== x.length) {
      const xs = new Float64Array(kept);
      const ys = new Float64Array(kept);
      let k = 0;
      for (let i = 0; i < x.length; i++) {
        if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
          xs[k] = x[i];
          ys[k] = y[i];
          k++;
        }
      }
      x = xs;
      y = ys;
    }
  } else {
    throw new RangeError(`${fn}: nanPolicy must be 'raise', 'propagate' or 'omit', got ${String(policy)}`);
  }
  if (x.length < minLength) {
    const omitted = policy === 'omit' ? ' (after omitting non-finite pairs)' : '';
    throw new RangeError(`${fn}: need at least ${minLength} pairs${omitted}, got ${x.length}`);
  }
  return { x, y, hasNaN };
}

/** Throw unless `alternative` is one of the three accepted strings. */
export function checkAlternative(alternative: Alternative, fn: string): void {
  if (alternative !== 'two-sided' && alternative !== 'less' && alternative !== 'greater') {
    throw new RangeError(`${fn}: alternative must be 'two-sided', 'less' or 'greater', got ${String(alternative)}`);
  }
}
