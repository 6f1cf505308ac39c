import { registerEnumType } from 'type-graphql';

/** The unit one correlation row describes. */
export enum CorrelationGrouping {
  /** One row per (study, dataset, metric): the study's Fig. 3. */
  DATASET = 'DATASET',
  /** One row per (study, metric) over all its datasets; `dataset` is `*`. */
  STUDY = 'STUDY',
  /** One row per metric over every selected study and dataset; `study` and `dataset` are `*`. */
  NONE = 'NONE',
}

registerEnumType(CorrelationGrouping, {
  name: 'CorrelationGrouping',
  description:
    'The unit of a row. Per-dataset methods give the mean of the per-(study, dataset) values when a row spans several datasets; ' +
    'GROUPED_TAU and GROUPED_WEIGHTED_TAU pool the within-dataset pairs instead.',
});

export enum BootstrapIntervalKind {
  PERCENTILE = 'percentile',
  HDI = 'hdi',
}

registerEnumType(BootstrapIntervalKind, { name: 'BootstrapInterval', description: 'PERCENTILE: the alpha/2 and 1 - alpha/2 quantiles; HDI: the narrowest interval holding 1 - alpha of the resamples.' });

export enum DatasetRoleFilter {
  ID = 'ID',
  OOD = 'OOD',
}

registerEnumType(DatasetRoleFilter, { name: 'DatasetRole', description: 'ID: in-distribution (fine-tuned on); OOD: out-of-distribution (evaluated only).' });

export enum TransferProtocolFilter {
  LINEAR_PROBE = 'linear-probe',
  FINETUNE = 'finetune',
  IMPORTED = 'imported',
}

registerEnumType(TransferProtocolFilter, { name: 'TransferProtocol', description: 'How the performance was obtained: LINEAR_PROBE, FINETUNE, or IMPORTED from published results.' });
