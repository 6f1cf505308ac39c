import { FeatureAnalysis } from './analysis';
import { MetricInputError } from './errors';
import { argmaxRows, checkFeatures, checkLabels, checkModelMetadata, checkPredictions, type ScoreInput } from './input';
import { type MetricContext, type MetricDefinition, type MetricInputKind } from './registry/metric';
import { createRegistry, type MetricRegistry } from './registry/registry';

export interface ScoreAllOptions {
  registry?: MetricRegistry;
  /** Seed for randomised steps (N-LEEP's k-means). Default 42, like the study's random_state. */
  seed?: number;
  /** Per-metric options keyed by id, e.g. `{ gbc: { allowFewerComponents: true } }`. */
  options?: Record<string, unknown>;
}

export interface ScoreAllResult {
  values: Record<string, number>;
  diagnostics: Record<string, Record<string, unknown>>;
  /** Components of pool-relative metrics (input to their `relativise`); values of those metrics are the un-normalised raw ones. */
  components: Record<string, Readonly<Record<string, number>>>;
  /** Wall-clock seconds per metric; a shared intermediate is charged to the first metric that needs it. */
  seconds: Record<string, number>;
  /** Metrics that could not apply to this input, with the reason (missing inputs, too few dimensions/samples). */
  skipped: Record<string, string>;
}

/** Errors that make one metric inapplicable rather than the input invalid. */
const INAPPLICABLE: ReadonlySet<string> = new Set(['too_few_dimensions', 'too_few_samples']);

function available(input: ScoreInput): Set<MetricInputKind> {
  const s = new Set<MetricInputKind>(['labels']);
  if (input.features) s.add('features');
  if (input.sourceProbabilities) s.add('sourceProbabilities');
  if (input.sourceLabels || input.sourceProbabilities) s.add('sourceLabels');
  if (input.model) s.add('modelMetadata');
  return s;
}

/** The inputs `m` needs that `input` lacks; for model metadata, each absent field it reads (`modelMetadata.<field>`). */
function missingInputs(m: MetricDefinition, have: Set<MetricInputKind>, input: ScoreInput): string[] {
  const missing: string[] = [];
  for (const r of m.requires) {
    if (r === 'modelMetadata' && m.metadata) {
      for (const f of m.metadata) if (input.model?.[f] === undefined) missing.push(`modelMetadata.${f}`);
    } else if (!have.has(r)) {
      missing.push(r);
    }
  }
  return missing;
}

/**
 * Computes several metrics on one input, sharing the expensive intermediates (centred scatter, covariance and Gram
 * eigendecompositions, PCA scores) through one FeatureAnalysis. The input is validated once up front (bad input throws
 * MetricInputError); metrics whose required inputs are absent, or that do not apply (GBC with min(N, D) < 64), are
 * reported in `skipped`.
 *
 * @param metricIds ids to compute, or 'all' for every registered metric.
 */
export async function scoreAll(input: ScoreInput, metricIds: readonly string[] | 'all', options: ScoreAllOptions = {}): Promise<ScoreAllResult> {
  const registry = options.registry ?? createRegistry();
  const ids = metricIds === 'all' ? registry.ids() : [...metricIds];
  const metrics = ids.map((id) => registry.get(id));
  const n = input.features?.rows ?? input.sourceProbabilities?.rows ?? input.sourceLabels?.length ?? input.labels.length;
  checkLabels(input.labels, n);
  if (input.features) checkFeatures(input.features);
  if (input.sourceProbabilities) checkPredictions(input.sourceProbabilities, n);
  if (input.model) checkModelMetadata(input.model);
  if (input.sourceLabels && input.sourceLabels.length !== n) {
    throw new MetricInputError('shape_mismatch', `sourceLabels has ${input.sourceLabels.length} entries, expected ${n}`);
  }
  const full: ScoreInput = input.sourceLabels || !input.sourceProbabilities ? input : { ...input, sourceLabels: argmaxRows(input.sourceProbabilities) };
  let analysis: FeatureAnalysis | undefined;
  const context: MetricContext = {
    analysis: () => {
      if (!full.features) throw new MetricInputError('shape_mismatch', 'this metric needs features');
      analysis ??= new FeatureAnalysis(full.features, full.labels);
      return analysis;
    },
    seed: options.seed ?? 42,
    options: options.options ?? {},
  };
  const have = available(full);
  const result: ScoreAllResult = { values: {}, diagnostics: {}, components: {}, seconds: {}, skipped: {} };
  for (const m of metrics) {
    const missing = missingInputs(m, have, full);
    if (missing.length > 0) {
      result.skipped[m.id] = `missing input: ${missing.join(', ')}`;
      continue;
    }
    const t0 = performance.now();
    try {
      const r = await m.compute(full, context);
      result.values[m.id] = r.value;
      result.diagnostics[m.id] = r.diagnostics;
      if (r.components) result.components[m.id] = r.components;
    } catch (e) {
      if (e instanceof MetricInputError && INAPPLICABLE.has(e.code)) {
        result.skipped[m.id] = e.message;
        continue;
      }
      throw e;
    } finally {
      result.seconds[m.id] = (performance.now() - t0) / 1000;
    }
  }
  return result;
}
