import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matrix, type Matrix } from '../../linalg/matrix';

/** A pool-relative score's fixture (tools/reference/pool_scores_reference.py). */
export interface PoolFixture<C, P> {
  generatedBy: string;
  cases: Record<string, { components: Record<string, C>; pools: Record<string, P> }>;
  errors: Record<string, string>;
  pool: { pools: Record<string, string[]> };
}

export function loadPoolFixture<C, P>(id: string): PoolFixture<C, P> {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `${id}.json`), 'utf8')) as PoolFixture<C, P>;
}

/** The fixture driver's deterministic pool members (its `pool_members`): each a 'model' of the same data. */
export function poolMembers(x: Matrix): Record<string, Matrix> {
  const { rows: n, cols: d } = x;
  const reversed = matrix(n, d);
  const noised = matrix(n, d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      reversed.data[i * d + j] = 0.5 * x.data[i * d + (d - 1 - j)];
      noised.data[i * d + j] = x.data[i * d + j] + Math.sin(0.7 * i + 1.3 * j);
    }
  }
  return { self: x, scaled_reversed: reversed, noised, tenth: matrix(n, d, x.data.map((v) => 0.1 * v)) };
}

/**
 * Tolerance of a pooled (min-max normalised) value: the components' 1e-9 relative error divided by the pool's spread
 * of each component. Where a component's spread is round-off (identical members), the official normalisation is
 * itself noise and there is nothing to compare.
 */
export function pooledTolerance(components: Record<string, Record<string, number>>, names: readonly string[]): number {
  let tol = 1e-9;
  for (const part of Object.keys(components[names[0]])) {
    const vals = names.map((m) => components[m][part]);
    const spread = Math.max(...vals) - Math.min(...vals);
    const scale = Math.max(...vals.map(Math.abs));
    tol = Math.max(tol, (4e-9 * scale) / spread);
  }
  return tol;
}
