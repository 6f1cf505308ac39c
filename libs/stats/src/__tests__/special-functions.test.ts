import { describe, expect, it } from 'vitest';
import { erfc, logGamma, normalCdf, normalSf, regularizedIncompleteBeta, studentTSf } from '../special-functions';
import { expectClose } from './golden';

function factorialBig(n: number): bigint {
  let f = 1n;
  for (let k = 2n; k <= BigInt(n); k++) f *= k;
  return f;
}

/** erfc by composite Simpson on 2/√π e^{-x²} ∫_0^∞ e^{-s² - 2xs} ds (the e^{-x²} factor kept outside). */
function erfcByQuadrature(x: number): number {
  const upper = 40 / (x + 1) + 6;
  const steps = 200_000;
  const h = upper / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const s = i * h;
    const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * Math.exp(-s * s - 2 * x * s);
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * ((sum * h) / 3);
}

/** I_x(a, n - a + 1) = P(Binomial(n, x) >= a) for integer a, n, summed term by term. */
function binomialUpperTail(a: number, n: number, x: number): number {
  let total = 0;
  for (let j = a; j <= n; j++) {
    const coef = Number(factorialBig(n) / (factorialBig(j) * factorialBig(n - j)));
    total += coef * x ** j * (1 - x) ** (n - j);
  }
  return total;
}

describe('logGamma', () => {
  it('equals ln((n-1)!) at integers and the duplication formula at half-integers', () => {
    for (const n of [1, 2, 3, 5, 10, 17, 30, 100, 170]) {
      const exact = Math.log(Number(factorialBig(n - 1)));
      expect(Math.abs(logGamma(n) - exact)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(exact)));
    }
    for (const n of [0, 1, 4, 12, 60]) {
      // Γ(n + 1/2) = (2n)! √π / (4^n n!)
      const exact = Math.log(Number(factorialBig(2 * n) / factorialBig(n))) - n * Math.log(4) + 0.5 * Math.log(Math.PI);
      expect(Math.abs(logGamma(n + 0.5) - exact)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(exact)));
    }
  });
  it('rejects x <= 0', () => {
    expect(() => logGamma(0)).toThrow(/> 0/);
    expect(() => logGamma(NaN)).toThrow(/> 0/);
  });
});

describe('erfc and the normal tails', () => {
  it('matches quadrature to 1e-12 relative from 0 to 26', () => {
    for (const x of [0, 0.1, 0.7, 1.2, 1.49, 1.5, 2, 3.3, 5, 8, 12, 20, 26]) {
      expectClose(erfc(x), erfcByQuadrature(x), 1e-12, `erfc(${x})`);
    }
  });
  it('is symmetric: erfc(-x) = 2 - erfc(x), normalCdf + normalSf = 1', () => {
    for (const x of [0.3, 1.7, 4]) {
      expect(erfc(-x)).toBe(2 - erfc(x));
      expect(normalCdf(x) + normalSf(x)).toBeCloseTo(1, 15);
    }
    expect(erfc(30)).toBe(0);
    expect(Number.isNaN(erfc(NaN))).toBe(true);
  });
});

describe('regularizedIncompleteBeta', () => {
  it('equals binomial tail sums for integer shapes', () => {
    for (const [a, n] of [[1, 1], [2, 5], [7, 12], [30, 60], [3, 80]] as const) {
      for (const x of [1e-6, 0.05, 0.3, 0.5, 0.77, 0.999]) {
        const { lower, upper } = regularizedIncompleteBeta(a, n - a + 1, x);
        const expected = binomialUpperTail(a, n, x);
        expect(Math.abs(lower - expected)).toBeLessThanOrEqual(1e-12 * expected + 1e-300);
        expect(Math.abs(lower + upper - 1)).toBeLessThanOrEqual(1e-15);
      }
    }
  });
  it('equals the arcsine law for a = b = 1/2', () => {
    for (const x of [1e-9, 0.1, 0.5, 0.9]) {
      expectClose(regularizedIncompleteBeta(0.5, 0.5, x).lower, (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-13, `x=${x}`);
    }
  });
  it('handles the end points and rejects bad arguments', () => {
    expect(regularizedIncompleteBeta(2, 3, 0)).toEqual({ lower: 0, upper: 1 });
    expect(regularizedIncompleteBeta(2, 3, 1)).toEqual({ lower: 1, upper: 0 });
    expect(() => regularizedIncompleteBeta(0, 1, 0.5)).toThrow(/a and b must be > 0/);
    expect(() => regularizedIncompleteBeta(1, 1, 1.5)).toThrow(/x must be in \[0, 1\]/);
  });
});

describe('studentTSf', () => {
  it('equals the Cauchy (ν = 1) and ν = 2 closed forms', () => {
    for (const t of [-30, -2.5, -0.3, 0, 0.4, 1, 3, 50, 1e6]) {
      expectClose(studentTSf(t, 1), t > 0 ? Math.atan(1 / t) / Math.PI : 0.5 - Math.atan(t) / Math.PI, 1e-13, `ν=1 t=${t}`);
      // ν = 2: 1/2 - t/(2s) with s = √(t² + 2), written as 1/(s (s + t)) for t > 0 to avoid cancellation.
      const s = Math.sqrt(t * t + 2);
      expectClose(studentTSf(t, 2), t > 0 ? 1 / (s * (s + t)) : 0.5 - t / (2 * s), 1e-12, `ν=2 t=${t}`);
    }
    expect(studentTSf(Infinity, 3)).toBe(0);
    expect(studentTSf(-Infinity, 3)).toBe(1);
    expect(() => studentTSf(1, 0)).toThrow(/degrees of freedom/);
  });
});
