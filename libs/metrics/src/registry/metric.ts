import { type FeatureAnalysis } from '../analysis';
import { type ScoreInput } from '../input';

/** Inputs a metric can declare. `sourceLabels` is derived as argmax(sourceProbabilities) when only those are given. */
export type MetricInputKind = 'features' | 'sourceProbabilities' | 'sourceLabels' | 'labels';

export const METRIC_INPUT_KINDS: readonly MetricInputKind[] = ['features', 'sourceProbabilities', 'sourceLabels', 'labels'];

export interface PaperReference {
  title: string;
  authors: readonly string[];
  venue: string;
  year: number;
  url: string;
}

/** What `compute` receives besides the input: shared intermediates and run options. */
export interface MetricContext {
  /**
   * The shared feature intermediates (centred scatter, covariance and Gram eigendecompositions, PCA scores).
   * Every metric of one `scoreAll` call gets the same instance, so expensive work is done once.
   */
  analysis(): FeatureAnalysis;
  /** Seed for randomised steps (e.g. N-LEEP's k-means initialisation). */
  seed: number;
  /** Per-metric options keyed by metric id (e.g. `{ gbc: { allowFewerComponents: true } }`). */
  options: Readonly<Record<string, unknown>>;
}

export interface MetricValue {
  /**
   * The score. For a pool-relative metric this is the model's own, not yet normalised value (e.g. the plain sum of its
   * parts); only `relativise` turns it into the published, pool-relative score.
   */
  value: number;
  /** Metric-specific, JSON-serialisable details (pinv rank, shrinkage, PCA dimension, ...). */
  diagnostics: Record<string, unknown>;
  /**
   * Named parts a pool-relative metric combines across the pool (ETran's energy, LDA and SVD terms; NCTI's three
   * terms). Absent for ordinary metrics.
   */
  components?: Readonly<Record<string, number>>;
}

/** One model's own result for a pool-relative metric, as `compute` returned it. */
export interface PoolMember {
  model: string;
  result: MetricValue;
}

/**
 * The plugin contract: a transferability metric. Built-ins implement it; a plugin module exports objects of this shape.
 */
export interface MetricDefinition {
  /** Stable id, lower-case (`hscore`, `logme`); `[a-z][a-z0-9_-]*`. */
  id: string;
  /** Which formulation/implementation (`reference` = the study's scorer). */
  variant: string;
  /** Version of this implementation (semver); bump when values change. */
  version: string;
  paper: PaperReference;
  /** Whether higher or lower values predict better transfer. */
  direction: 'higher' | 'lower';
  requires: readonly MetricInputKind[];
  /** True when the value is only meaningful relative to other models scored on the same data (not comparable across datasets). */
  poolRelative: boolean;
  compute(input: ScoreInput, context: MetricContext): Promise<MetricValue>;
  /**
   * Pool-relative metrics only (required when `poolRelative`): the published scores of every member of one pool
   * (the models compared on one dataset), in member order, from their own `compute` results, e.g. min-max normalising
   * each component across the pool and summing. Pure; a pool of one is allowed (normalisation then has no spread).
   */
  relativise?(members: readonly PoolMember[]): number[];
}
