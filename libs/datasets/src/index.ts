export { DatasetError, type DatasetErrorCode, type DatasetErrorLocation } from './errors';
export { type ClassDef, type ErrorPolicy, type Manifest, type ManifestItem, type ManifestSource, type SkippedItem } from './types';
export { parseCsv, type CsvTable } from './manifest/csv';
export { resolveInRoot } from './manifest/paths';
export { manifestHash } from './manifest/hash';
export { loadCsvManifest, csvTextToManifest, type CsvManifestOptions } from './manifest/csv-manifest';
export {
  loadFolderManifest,
  IMAGE_EXTENSIONS,
  type FolderManifestOptions,
  type FolderManifestResult,
} from './manifest/folder-manifest';
export {
  definitionDataRoot,
  loadDefinitionFile,
  loadSplit,
  parseDefinition,
  validateDefinition,
  type DatasetDefinition,
  type LoadSplitOptions,
  type Split,
} from './manifest/definition';
export { BRAIN_TUMOR_CLASSES, BUILTIN_DATASET_IDS, builtinDefinitions, registryDirs, unconfiguredBuiltins, type RegistryOptions } from './registry/builtin';
export { DatasetRegistry, type DatasetListing } from './registry/registry';
export { sniffFormat, formatFromExtension, type ImageFormat } from './image/sniff';
export { decodeBmp, type RawImage } from './image/bmp';
export { openImage, readImageFile, type OpenedImage } from './image/decode';
export { checkSpec, specFromZooInput, STUDY_EVAL_SPEC, type PreprocessSpec, type ZooInputSpec } from './image/spec';
export { STUDY_AUGMENTATION, sampleAugmentation, type AugmentOptions, type AugmentParams } from './image/augment';
export { mulberry32, mixSeed, type Rng } from './image/rng';
export { preprocessImage, PREPROCESSING_REVISION, type PreprocessInfo, type PreprocessOptions } from './image/preprocess';
export { iterateBatches, type Batch, type BatchOptions, type BatchStream } from './image/batches';
export { dHashFromThumbnail, hammingDistance, hashWords, popcount32 } from './audit/dhash';
export { scanFile, scanFiles, type FileInfo, type ScanDepth } from './audit/scan';
export {
  buildAuditReport,
  type AuditEntry,
  type AuditOptions,
  type AuditReport,
  type AuditSplitInput,
  type LeakageVerdict,
  type SplitPairLeakage,
  type SplitSummary,
} from './audit/report';
export { auditDefinition, auditManifests, type AuditRunOptions } from './audit/audit';
export { formatAuditReport } from './audit/format';
