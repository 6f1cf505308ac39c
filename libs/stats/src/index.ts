export type { Alternative, NanPolicy } from './input';
export {
  kendallTauB,
  kendallCounts,
  kendallExactPValue,
  kendallTauFromCounts,
  kendallTieSums,
  type KendallCounts,
  type KendallMethod,
  type KendallTauOptions,
  type KendallTauResult,
} from './kendall-tau';
export {
  erfc,
  logBeta,
  logGamma,
  normalCdf,
  normalSf,
  regularizedIncompleteBeta,
  studentTSf,
} from './special-functions';
export {
  hyperbolicWeigher,
  weightedRankedTau,
  weightedTau,
  type Weigher,
  type WeightedTauOptions,
  type WeightedTauRank,
  type WeightedTauResult,
} from './weighted-tau';
export { pearson, type CorrelationResult, type PearsonOptions } from './pearson';
export { spearman, type SpearmanOptions } from './spearman';
export { averageRanks } from './rankdata';
export { mean, pairwiseSum } from './summation';
export {
  groupedKendallTau,
  type GroupLabel,
  type GroupedKendallTauOptions,
  type GroupedKendallTauResult,
} from './grouped-tau';
export { bestInTopN, regret, relativeTopK, type SelectionOptions, type TiePolicy } from './selection';
export {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  type BalancedAccuracyOptions,
  type ClassLabel,
  type ConfusionMatrixOptions,
  type ConfusionMatrixResult,
} from './classification';
export { firstPrimes, halton, haltonPoint, logUniformScale, radicalInverse, type HaltonOptions } from './halton';
export {
  bootstrap,
  type BootstrapInterval,
  type BootstrapOptions,
  type BootstrapResult,
  type PairedData,
  type PairedStatistic,
} from './bootstrap';
export { createRng, splitMix64, type Rng } from './prng';
export { hdiSorted, quantileSorted } from './quantiles';
