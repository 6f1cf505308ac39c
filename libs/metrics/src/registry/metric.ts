import { type FeatureAnalysis } from '../analysis';
import { type ScoreInput } from '../input';

/**
 * Inputs a metric can declare. `sourceLabels` is derived as argmax(sourceProbabilities) when only those are given.
 * `modelMetadata` is facts about the model itself (`ScoreInput.model`); which fields a metric reads it names in
 * `MetricDefinition.metadata`.
 */
export type MetricInputKind = 'features' | 'sourceProbabilities' | 'sourceLabels' | 'labels' | 'modelMetadata';

export const METRIC_INPUT_KINDS: readonly MetricInputKind[] = ['features', 'sourceProbabilities', 'sourceLabels', 'labels', 'modelMetadata'];

/** Fields of `ScoreInput.model` a static baseline can read. */
export type ModelMetadataField = 'parameters' | 'imagenetTop1';

export const MODEL_METADATA_FIELDS: readonly ModelMetadataField[] = ['parameters', 'imagenetTop1'];

/**
 * What a metric is: a transferability `score` of its own paper; a `baseline` computed from the target data (kNN or
 * linear-probe accuracy); a `static-baseline` that ignores the target data and reads only model metadata (ImageNet
 * top-1, parameter count), the yardstick a data-dependent score has to beat.
 */
export type MetricKind = 'score' | 'baseline' | 'static-baseline';

export const METRIC_KINDS: readonly MetricKind[] = ['score', 'baseline', 'static-baseline'];

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
  /** Score, data-dependent baseline or static (metadata-only) baseline; absent means `score`. */
  kind?: MetricKind;
  /**
   * The `ScoreInput.model` fields it reads (required with, and only with, `modelMetadata` in `requires`); a metric whose
   * field is absent is skipped ("missing input: modelMetadata.<field>").
   */
  metadata?: readonly ModelMetadataField[];
  compute(input: ScoreInput, context: MetricContext): Promise<MetricValue>;
  /**
   * Pool-relative metrics only (required when `poolRelative`): the published scores of every member of one pool
   * (the models compared on one dataset), in member order, from their own `compute` results, e.g. min-max normalising
   * each component across the pool and summing. Pure; a pool of one is allowed (normalisation then has no spread).
   */
  relativise?(members: readonly PoolMember[]): number[];
}
