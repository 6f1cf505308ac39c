import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matrix, type Matrix } from '../linalg/matrix';

/** One `transferability-golden/v1` case from ../shared/golden/metrics. */
export interface GoldenCase {
  name: string;
  shape: { N: number; D: number; C: number; Cs: number };
  features: Matrix;
  labels: Int32Array;
  predictions: Matrix;
  outputs: Record<string, number | null>;
  errors: Record<string, string>;
  intermediates: Record<string, unknown>;
  stability: Record<string, { rel_diff_row_permutation: number | null; rel_diff_column_permutation: number | null }>;
  notes: string[];
}

export function goldenDir(): string {
  const shared = process.env['TRANSFERSCOPE_SHARED'];
  if (!shared) throw new Error('TRANSFERSCOPE_SHARED is not set (vitest.shared.ts sets it to <repo>/../shared)');
  return join(shared, 'golden', 'metrics');
}

function toMatrix(rows: number[][]): Matrix {
  const r = rows.length;
  const c = rows[0].length;
  const m = matrix(r, c);
  rows.forEach((row, i) => m.data.set(row, i * c));
  return m;
}

interface RawCase {
  name: string;
  shape: GoldenCase['shape'];
  inputs: { features: number[][]; labels: number[]; predictions: number[][] };
  outputs: GoldenCase['outputs'];
  errors: GoldenCase['errors'];
  intermediates: GoldenCase['intermediates'];
  stability: GoldenCase['stability'];
  notes: string[];
}

const cache = new Map<string, GoldenCase>();

export function loadGolden(name: string): GoldenCase {
  let g = cache.get(name);
  if (!g) {
    const raw = JSON.parse(readFileSync(join(goldenDir(), `${name}.json`), 'utf8')) as RawCase;
    g = {
      name: raw.name,
      shape: raw.shape,
      features: toMatrix(raw.inputs.features),
      labels: Int32Array.from(raw.inputs.labels),
      predictions: toMatrix(raw.inputs.predictions),
      outputs: raw.outputs,
      errors: raw.errors,
      intermediates: raw.intermediates,
      stability: raw.stability,
      notes: raw.notes,
    };
    cache.set(name, g);
  }
  return g;
}

export function goldenNames(): string[] {
  return readdirSync(goldenDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/**
 * Tolerance for a case: 1e-9 relative (the README's default) unless the case documents otherwise; d_gt_n's H-score is
 * fragile (its notes: pinv on a numerically singular covariance, rtol 1e-3).
 */
export function relTolerance(g: GoldenCase, score: string): number {
  if (g.name === 'd_gt_n' && score === 'hscore') return 1e-3;
  return 1e-9;
}

export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}
