export { FeatureAnalysis } from './analysis';
export { MetricInputError, type MetricInputErrorCode } from './errors';
export {
  argmaxRows,
  checkFeatures,
  checkLabels,
  checkModelMetadata,
  checkPredictions,
  PROBABILITY_ROW_SUM_TOLERANCE,
  type ModelMetadata,
  type ScoreInput,
} from './input';
export { matrix, fromRows, transpose, columnMeans, type Matrix } from './linalg/matrix';
export { gemm, syrk, type GemmOptions } from './linalg/gemm';
export { SymmetricEigen } from './linalg/symmetric-eigen';
export { pinvSymmetric, NUMPY_PINV_RCOND } from './linalg/pinv';
export { cholesky, invertLower, NotPositiveDefiniteError } from './linalg/cholesky';
export { ledoitWolfShrinkage, type LedoitWolfResult } from './linalg/ledoit-wolf';
export { kmeans, type KMeansOptions, type KMeansResult } from './linalg/kmeans';
export { fitGaussianMixture, mixturePosteriors, type GaussianMixtureFit, type GaussianMixtureOptions } from './linalg/gaussian-mixture';
export { hscore, hscoreFromAnalysis, type HScoreResult } from './scores/hscore';
export { regHScore, regHScoreFromAnalysis, type RegHScoreResult } from './scores/reg-hscore';
export { leep, type LeepResult } from './scores/leep';
export { nce, nceFromPredictions, type NceResult } from './scores/nce';
export { gbc, gbcFromAnalysis, type GbcOptions, type GbcResult } from './scores/gbc';
export { logme, logmeFromAnalysis, type LogMeResult } from './scores/logme';
export { nleep, nleepFromAnalysis, componentsForVariance, nleepMixture, type NLeepMixture, type NLeepOptions, type NLeepResult } from './scores/nleep';
export { expectedEmpiricalPredictions } from './scores/leep';
export { logmeFixedPoint, logmeFixedPointFromAnalysis, type LogMeFixedPointResult } from './scores/logme-fixed-point';
export { leepProb, type LeepProbResult } from './scores/leep-prob';
export { nleepProb, nleepProbFromAnalysis, type NLeepProbResult } from './scores/nleep-prob';
export { knnLoo, knnLooFromAnalysis, type KnnLooOptions, type KnnLooResult } from './scores/knn-loo';
export { linearProbeCv, linearProbeCvFromAnalysis, type LinearProbeCvOptions, type LinearProbeCvResult, type LinearProbeFold } from './scores/linear-probe-cv';
export { imagenetTop1, type StaticBaselineResult } from './scores/imagenet-top1';
export { parameterCount } from './scores/parameter-count';
export { scoreAll, type ScoreAllOptions, type ScoreAllResult } from './score-all';
export { syntheticInput, type SyntheticOptions } from './synthetic';
export {
  METRIC_INPUT_KINDS,
  METRIC_KINDS,
  MODEL_METADATA_FIELDS,
  type MetricKind,
  type ModelMetadataField,
  type MetricContext,
  type MetricDefinition,
  type MetricInputKind,
  type MetricValue,
  type PaperReference,
  type PoolMember,
} from './registry/metric';
export { BUILTIN_METRICS } from './registry/builtins';
export {
  assertMetricDefinition,
  createRegistry,
  loadPlugin,
  MetricRegistry,
  PluginError,
  type PluginErrorCode,
} from './registry/registry';
export { validateMetric, validatePlugin, type GoldenFixture, type ValidationCheck, type ValidationReport } from './registry/validate';
export { NpyError, parseNpy, writeNpy, type NpyArray, type NpyErrorCode } from './io/npy';
export { parseNpz } from './io/npz';
export { labelsFromJson, labelsFromNpy, matrixFromNpy, parseMetricList, scoreResultJson } from './io/score-files';
export { minMaxNormalise, poolId, scorePool, sumOfNormalisedComponents, type PoolScore } from './pool/pool';
export { sfda, sfdaFromAnalysis, type SfdaResult } from './scores/sfda';
export { parc, parcFromAnalysis, PARC_DEFAULT_DIMENSIONS, PARC_DEFAULT_MAX_SAMPLES, type ParcOptions, type ParcResult } from './scores/parc';
export { transrate, transrateFromAnalysis, TRANSRATE_DEFAULT_EPS, type TransRateOptions, type TransRateResult } from './scores/transrate';
export { LegacyRandomState } from './linalg/mt19937';
export { randomizedPcaScores, type RandomizedPcaOptions } from './linalg/randomized-pca';
export { digamma, pactranDirichlet, pactranGamma, pactranGaussian, pactranGaussianFromAnalysis, type PacTranGaussianOptions, type PacTranGaussianResult, type PacTranResult } from './scores/pactran';
export { ncti, nctiFromAnalysis, nctiPoolScores, type NctiComponents, type NctiOptions, type NctiResult } from './scores/ncti';
export { etran, etranFromAnalysis, etranPoolScores, type EtranComponents, type EtranOptions, type EtranResult, type EtranWeights } from './scores/etran';
