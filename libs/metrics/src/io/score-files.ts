import { MetricInputError } from '../errors';
import { matrix, type Matrix } from '../linalg/matrix';
import { type ScoreAllResult } from '../score-all';
import { type NpyArray } from './npy';

/** An N x D (or N x Cs) array from a parsed `.npy`; `what` names it in errors. */
export function matrixFromNpy(arr: NpyArray, what: string): Matrix {
  if (arr.shape.length !== 2) {
    throw new MetricInputError('shape_mismatch', `${what} must be a 2-D array (N x D), got shape (${arr.shape.join(', ')})`);
  }
  return matrix(arr.shape[0], arr.shape[1], arr.data);
}

function integerLabels(values: ArrayLike<number>, what: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
      throw new MetricInputError('label_not_integer', `${what}[${i}] = ${JSON.stringify(v)} is not a non-negative integer label`);
    }
    out[i] = v;
  }
  return out;
}

/** Labels from a `.npy`: shape (N,) or (N, 1), integer values (an integer-valued float array is accepted). */
export function labelsFromNpy(arr: NpyArray): Int32Array {
  const ok = arr.shape.length === 1 || (arr.shape.length === 2 && arr.shape[1] === 1);
  if (!ok) throw new MetricInputError('shape_mismatch', `labels must be a 1-D array, got shape (${arr.shape.join(', ')})`);
  return integerLabels(arr.data, 'labels');
}

/** Labels from JSON text: `[0, 1, ...]` or `{ "labels": [...] }`. */
export function labelsFromJson(text: string): Int32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MetricInputError('shape_mismatch', `labels JSON does not parse: ${(e as Error).message}`);
  }
  const arr = Array.isArray(parsed) ? parsed : (parsed as { labels?: unknown } | null)?.labels;
  if (!Array.isArray(arr)) throw new MetricInputError('shape_mismatch', 'labels JSON must be an array of integers or { "labels": [...] }');
  return integerLabels(arr as number[], 'labels');
}

/** Parses `all` or a comma-separated id list. */
export function parseMetricList(text: string): string[] | 'all' {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (ids.length === 0 || (ids.length === 1 && ids[0] === 'all')) return 'all';
  return ids;
}

/** The `transferscope score --json` document: `{ "<id>": value, ..., "seconds": {...}, "skipped": {...} }`. */
export function scoreResultJson(result: ScoreAllResult): Record<string, unknown> {
  return { ...result.values, seconds: result.seconds, skipped: result.skipped };
}
