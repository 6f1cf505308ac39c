/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Bootstrap confidence interval: models resampled with replacement within each dataset. */
export type BootstrapInput = {
  interval?: BootstrapInterval;
  /** Confidence level in (0, 1). */
  level?: number;
  /** Number of resamples (1 to 10,000; resamples x rows is capped per request). */
  resamples: number;
  /** PRNG seed; the same seed gives the same interval. Omitted: a random seed, reported in `seed`. */
  seed?: number | null | undefined;
};

/** PERCENTILE: the alpha/2 and 1 - alpha/2 quantiles; HDI: the narrowest interval holding 1 - alpha of the resamples. */
export type BootstrapInterval =
  | 'HDI'
  | 'PERCENTILE';

/** Which results to correlate; omitted fields mean all. */
export type CorrelationFilter = {
  /** Only in-distribution or only out-of-distribution datasets. */
  datasetRole?: DatasetRole | null | undefined;
  /** Dataset names. */
  datasets?: Array<string> | null | undefined;
  /** Metric ids, e.g. `logme`; the baselines are `imagenet_top1` and `parameter_count`. */
  metrics?: Array<string> | null | undefined;
  /** The model pool: only these source model ids are ranked. */
  models?: Array<string> | null | undefined;
  /** Only performances obtained with this protocol. */
  protocol?: TransferProtocol | null | undefined;
  /** Study names. */
  studies?: Array<string> | null | undefined;
  /** Metric variants (the registry's `variant`, e.g. `default`). */
  variants?: Array<string> | null | undefined;
};

/** The unit of a row. Per-dataset methods give the mean of the per-(study, dataset) values when a row spans several datasets; GROUPED_TAU and GROUPED_WEIGHTED_TAU pool the within-dataset pairs instead. */
export type CorrelationGrouping =
  | 'DATASET'
  | 'NONE'
  | 'STUDY';

/** How a transferability score is compared with transfer performance over the models of one (study, dataset): a rank or linear correlation, a grouped (within-dataset) tau, or a model-selection measure. */
export type CorrelationMethod =
  | 'GROUPED_TAU'
  | 'GROUPED_WEIGHTED_TAU'
  | 'KENDALL_TAU_B'
  | 'PEARSON'
  | 'REGRET'
  | 'REL_TOP1'
  | 'REL_TOP3'
  | 'SPEARMAN'
  | 'WEIGHTED_TAU';

/** One CSV file as text; `name` appears in error messages (file:line: reason). */
export type CsvUpload = {
  name: string;
  /** The file's content (UTF-8); at most the server's upload limit. */
  text: string;
};

/** ID: in-distribution (fine-tuned on); OOD: out-of-distribution (evaluated only). */
export type DatasetRole =
  | 'ID'
  | 'OOD';

/** Results to import into a study, with the same rules as `transferscope import`. */
export type ImportResultsInput = {
  /** LONG: the one long-format file. */
  file?: CsvUpload | null | undefined;
  format: ResultsFormat;
  /** STUDY_RESULTS: `task,model,val_acc_score,test_acc_score`. */
  performances?: CsvUpload | null | undefined;
  /** STUDY_RESULTS: `task,model,metric,value`. */
  scores?: CsvUpload | null | undefined;
  study: string;
};

/** A dataset definition to create or update (by `name`). Optional fields left out keep their stored values. */
export type RegisterDatasetInput = {
  /** Class names indexed by label id: non-empty, distinct, at least 2. */
  classNames?: Array<string> | null | undefined;
  /** For an OOD dataset, the name of its (registered) ID partner; refused for an ID dataset. */
  idDataset?: string | null | undefined;
  /** sha256 (64 lowercase hex digits) of the dataset's manifests (content and label ids). */
  manifestHash?: string | null | undefined;
  /** Unique name: letters, digits and _ . + - (at most 128 characters), as results files name it. */
  name: string;
  /** Number of classes (>= 2); must equal the length of `classNames` when both are given. */
  numClasses?: number | null | undefined;
  /** ID: fine-tuned on; OOD: only evaluates the models tuned on its `idDataset`. */
  role: DatasetRole;
  /** Where the data comes from: citation, URL, licence; at most 2,000 characters. */
  source?: string | null | undefined;
  /** What is classified, e.g. "brain tumor MRI (4 classes)"; at most 500 characters. */
  task?: string | null | undefined;
};

/** A source model definition to create or update (by `id`). Optional fields left out keep their stored values. */
export type RegisterModelInput = {
  /** e.g. "resnet50"; at most 200 characters. */
  architecture?: string | null | undefined;
  /** Stable id: letters, digits and _ . + - (at most 128 characters), as results files name it. */
  id: string;
  /** ImageNet-1k top-1 accuracy as a fraction in [0, 1] (0.761, not 76.1). */
  imagenetTop1?: number | null | undefined;
  /** Free-form facts (licence, format, feature dimension); replaces the stored object; at most 64 KiB as JSON. */
  metadata?: Record<string, unknown> | null | undefined;
  /** Number of parameters: a whole number >= 1 (Float, since counts pass 2^31). */
  parameterCount?: number | null | undefined;
  /** What it was pretrained on, e.g. "imagenet-1k"; at most 200 characters. */
  sourceDataset?: string | null | undefined;
  /** sha256 (64 lowercase hex digits) over the weight files. */
  weightsHash?: string | null | undefined;
};

/** STUDY_RESULTS: the performances + scores pair; LONG: one long-format file. */
export type ResultsFormat =
  | 'LONG'
  | 'STUDY_RESULTS';

/** How the performance was obtained: LINEAR_PROBE, FINETUNE, or IMPORTED from published results. */
export type TransferProtocol =
  | 'FINETUNE'
  | 'IMPORTED'
  | 'LINEAR_PROBE';

export type CorrelationsQueryVariables = Exact<{
  filter?: CorrelationFilter | null | undefined;
  method?: CorrelationMethod;
  performance?: string;
  groupBy?: CorrelationGrouping;
  bootstrap?: BootstrapInput | null | undefined;
}>;


export type CorrelationsQuery = { correlations: Array<{ study: string, dataset: string, metric: string, method: CorrelationMethod, value: number | null, pValue: number | null, n: number, ciLow: number | null, ciHigh: number | null, seed: number | null, baseline: boolean }> };

export type RegisterDatasetMutationVariables = Exact<{
  input: RegisterDatasetInput;
}>;


export type RegisterDatasetMutation = { registerDataset: { name: string, role: string, idDatasetId: number | null, task: string, source: string, numClasses: number | null, classNames: Array<string> | null } };

export type RegisterModelMutationVariables = Exact<{
  input: RegisterModelInput;
}>;


export type RegisterModelMutation = { registerModel: { id: string, architecture: string, sourceDataset: string, parameterCount: number | null, imagenetTop1: number | null, weightsHash: string | null } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { role: string, name: string } };

export type ImportResultsMutationVariables = Exact<{
  input: ImportResultsInput;
}>;


export type ImportResultsMutation = { importResults: { study: string, studyCreated: boolean, datasets: Array<string>, models: Array<string>, metrics: Array<string>, scores: { inserted: number, updated: number, unchanged: number }, evaluations: { inserted: number, updated: number, unchanged: number } } };

export type StudyProgressQueryVariables = Exact<{
  study: string;
}>;


export type StudyProgressQuery = { studyProgress: { study: string, trialsDone: number, trialsTotal: number, scoresTotal: number, evaluations: number, units: { done: number, total: number, byKind: Array<{ kind: string, done: number, total: number }> } | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const CorrelationsDocument = new TypedDocumentString(`
    query Correlations($filter: CorrelationFilter, $method: CorrelationMethod! = KENDALL_TAU_B, $performance: String! = "test_balanced_accuracy", $groupBy: CorrelationGrouping! = DATASET, $bootstrap: BootstrapInput) {
  correlations(
    filter: $filter
    method: $method
    performance: $performance
    groupBy: $groupBy
    bootstrap: $bootstrap
  ) {
    study
    dataset
    metric
    method
    value
    pValue
    n
    ciLow
    ciHigh
    seed
    baseline
  }
}
    `) as unknown as TypedDocumentString<CorrelationsQuery, CorrelationsQueryVariables>;
export const RegisterDatasetDocument = new TypedDocumentString(`
    mutation RegisterDataset($input: RegisterDatasetInput!) {
  registerDataset(input: $input) {
    name
    role
    idDatasetId
    task
    source
    numClasses
    classNames
  }
}
    `) as unknown as TypedDocumentString<RegisterDatasetMutation, RegisterDatasetMutationVariables>;
export const RegisterModelDocument = new TypedDocumentString(`
    mutation RegisterModel($input: RegisterModelInput!) {
  registerModel(input: $input) {
    id
    architecture
    sourceDataset
    parameterCount
    imagenetTop1
    weightsHash
  }
}
    `) as unknown as TypedDocumentString<RegisterModelMutation, RegisterModelMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    role
    name
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const ImportResultsDocument = new TypedDocumentString(`
    mutation ImportResults($input: ImportResultsInput!) {
  importResults(input: $input) {
    study
    studyCreated
    scores {
      inserted
      updated
      unchanged
    }
    evaluations {
      inserted
      updated
      unchanged
    }
    datasets
    models
    metrics
  }
}
    `) as unknown as TypedDocumentString<ImportResultsMutation, ImportResultsMutationVariables>;
export const StudyProgressDocument = new TypedDocumentString(`
    query StudyProgress($study: String!) {
  studyProgress(study: $study) {
    study
    trialsDone
    trialsTotal
    scoresTotal
    evaluations
    units {
      done
      total
      byKind {
        kind
        done
        total
      }
    }
  }
}
    `) as unknown as TypedDocumentString<StudyProgressQuery, StudyProgressQueryVariables>;