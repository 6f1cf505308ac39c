// Models: the zoo manifest, verified model files and loading with feature/head taps.
export { ModelError, Sha256MismatchError, type ModelErrorCode } from './models/model-error';
export {
  computeWeightsHash,
  findZooModel,
  loadZooManifest,
  parseZooManifest,
  type ZooFileLocation,
  type ZooFileRole,
  type ZooInputSpec,
  type ZooLogitsSpec,
  type ZooManifest,
  type ZooModel,
  type ZooModelFile,
  type ZooOptions,
} from './models/zoo-manifest';
export { readVerifiedFile, type ModelFileOptions } from './models/model-files';
export { verifiedModelHandler } from './models/verified-io-handler';
export { loadZooModel, type ArrayOutputs, type ForwardOutputs, type LoadedModel, type LoadModelOptions, type ModelRuntime } from './models/load-model';
export { type FoldReport } from './models/fold-batch-norm';

// Backends: which tfjs backend runs, for provenance.
export { BackendError, type BackendErrorCode } from './backends/backend-error';
export {
  BACKEND_REQUESTS,
  CNN_TRAINING_KERNELS,
  TENSORFLOW_PACKAGES,
  missingTrainingKernels,
  selectBackend,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type SelectBackendOptions,
} from './backends/select-backend';

// Extraction: batched features and source-head outputs, cached as .npy.
export { ExtractionError, type ExtractionErrorCode } from './extraction/extraction-error';
export {
  extractFeatures,
  type ExtractOptions,
  type ExtractionProgress,
  type FeatureExtraction,
  type ImageBatch,
} from './extraction/extract-features';
export {
  featureCacheDir,
  preprocessingHash,
  readFeatureCache,
  writeFeatureCache,
  type FeatureCacheKey,
  type FeatureCacheMeta,
} from './extraction/feature-cache';

// The study pipeline: definitions, units, the queue, the runner.
export { loadStudyDefinition, validateStudyDefinition, quickVariant, StudyDefinitionError, type StudyDefinition } from './study/study-definition';
export { resolveStudy, type ResolvedStudy, type StudyLocations, type StudySplit } from './study/resolve-study';
export { runStudy, StudyRunError, type RunStudyOptions, type StudyRunSummary } from './study/run-study';
export { runWorker, type RunWorkerOptions } from './study/run-worker';
export { studyStatus, type StudyStatus } from './study/study-status';
export { createProgressReporter, type ProgressReporter, type ProgressTask } from './study/progress';
export { dependenciesOf, planUnits, unitKey, type StudyUnit } from './study/units';
export { haltonTrial, STUDY_SEARCH_SPACE } from './training/halton-grid';
export { trainLinearProbe, evaluateProbe, cosineLearningRate, type ProbeSchedule, type ProbeSplit, type ProbeRun } from './training/linear-probe';
export { finetune, evaluateNetwork, inMemoryData, type FinetuneData, type FinetuneRun, type FinetuneSchedule, type ImageSplit } from './training/finetune';
export { assertFinetunable, buildFinetuneNetwork, loadFinetuneNetwork, type FinetuneNetwork, type FinetuneNetworkOptions } from './training/finetune-network';
export { FinetuneError, type FinetuneErrorCode } from './training/finetune-error';
export { NesterovSgd, type SgdOptions } from './training/nesterov-sgd';
export { useFastCpuGradients } from './training/cpu-gradient-kernels';

// ONNX: the zoo's layers models converted to ONNX and run on onnxruntime-node.
export { OnnxError, type OnnxErrorCode } from './onnx/onnx-error';
export { convertLayersModel, CONVERTER_VERSION, ONNX_IO, type ConversionReport, type ConversionTaps } from './onnx/convert-layers';
export { convertGraphModel, type GraphWeights, type TfNode } from './onnx/convert-graph';
export { loadOnnxModel, type OnnxIoNames, type OnnxProvider, type OnnxRunOptions } from './onnx/onnx-model';
export { adaptExternalGraph } from './onnx/external-graph';
export { loadExternalOnnxModel, type ExternalOnnxOptions } from './onnx/external-onnx';
export { convertZooModel, formatErrors, loadOnnxZooModel, onnxCachePath, type OnnxConversion, type OnnxZooOptions } from './onnx/onnx-zoo';
export { imageBatch, maxRelativeError, ONNX_TOLERANCE, verifyOnnxModel, type VerificationErrors } from './onnx/verify-onnx';
export { loadModelForBackend, onnxThreadsFromEnv, prefersOnnx, type LoadForBackendOptions } from './onnx/load-for-backend';
export { exposeOutputs } from './onnx/expose-outputs';
export { decodeModel, encodeModel, type OnnxModel } from './onnx/onnx-schema';
export { convertZoo, zooVerificationImages, type ZooConversionRow } from './onnx/convert-zoo';
