import { registerEnumType } from 'type-graphql';

/** How agreement between a score and a performance measure is measured. */
export enum CorrelationMethod {
  /** Kendall's tau-b with scipy's p-value (the study's Fig. 3). */
  KENDALL_TAU_B = 'KENDALL_TAU_B',
  /** scipy's weightedtau: hyperbolic additive weights, averaged over the rankings by score and by performance. */
  WEIGHTED_TAU = 'WEIGHTED_TAU',
  /** Spearman's rho with scipy's p-value. */
  SPEARMAN = 'SPEARMAN',
  /** Pearson's r with scipy's p-value. */
  PEARSON = 'PEARSON',
  /** Kendall tau over pairs formed within each dataset only, pooled (useful with `groupBy: STUDY | NONE`). */
  GROUPED_TAU = 'GROUPED_TAU',
  /** GROUPED_TAU with hyperbolic rank weights. */
  GROUPED_WEIGHTED_TAU = 'GROUPED_WEIGHTED_TAU',
  /** Selection: best performance among the top-1 model by score, over the best performance (1 = perfect). */
  REL_TOP1 = 'REL_TOP1',
  /** Selection: best performance among the top-3 models by score, over the best performance. */
  REL_TOP3 = 'REL_TOP3',
  /** Selection: best performance minus the performance of the model the score ranks first (0 = perfect). */
  REGRET = 'REGRET',
}

registerEnumType(CorrelationMethod, {
  name: 'CorrelationMethod',
  description:
    'How a transferability score is compared with transfer performance over the models of one (study, dataset): a rank or linear ' +
    'correlation, a grouped (within-dataset) tau, or a model-selection measure.',
});

/** Methods that pool pairs within groups instead of averaging per-dataset values when rows span several datasets. */
export const GROUPED_METHODS: ReadonlySet<CorrelationMethod> = new Set([CorrelationMethod.GROUPED_TAU, CorrelationMethod.GROUPED_WEIGHTED_TAU]);
