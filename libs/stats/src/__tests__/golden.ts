import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One correlation case of `golden/stats/stats_golden.json` (field meanings in the file's `notes`). */
export interface CorrelationCase {
  readonly name: string;
  readonly x: number[];
  readonly y: number[];
  readonly kendall_tau_b: number;
  readonly kendall_p_auto: number;
  readonly kendall_p_asymptotic: number;
  readonly weighted_tau: number;
  readonly weighted_tau_rank_none: number;
  readonly spearman: number;
  readonly spearman_p: number;
  readonly pearson: number;
  readonly pearson_p: number;
}

export interface StatsGolden {
  readonly correlations: CorrelationCase[];
  readonly halton: {
    d: number;
    n: number;
    unit: number[][];
    lr_bounds: [number, number];
    wd_bounds: [number, number];
    scaled_lr_wd: number[][];
  };
  readonly halton_d5: { d: number; n: number; unit: number[][] };
  readonly balanced_accuracy: { y_true: number[]; y_pred: number[]; balanced_accuracy: number; confusion_matrix: number[][] }[];
}

export function loadStatsGolden(): StatsGolden {
  const shared = process.env['TRANSFERSCOPE_SHARED'];
  if (!shared) throw new Error('TRANSFERSCOPE_SHARED is not set (vitest.shared.ts sets it to ../shared)');
  return JSON.parse(readFileSync(join(shared, 'golden', 'stats', 'stats_golden.json'), 'utf8')) as StatsGolden;
}

/** |actual - expected| <= rtol |expected|; exact equality required when expected is 0 or ±1 boundary-free. */
export function expectClose(actual: number, expected: number, rtol: number, label: string): void {
  const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected);
  if (!ok) {
    throw new Error(`${label}: got ${actual}, expected ${expected} (relative error ${Math.abs(actual - expected) / Math.abs(expected)} > ${rtol})`);
  }
}
