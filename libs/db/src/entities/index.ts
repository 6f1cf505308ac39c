import { ApiToken } from './api-token.entity';
import { Dataset } from './dataset.entity';
import { Evaluation } from './evaluation.entity';
import { FeatureSet } from './feature-set.entity';
import { Metric } from './metric.entity';
import { Score } from './score.entity';
import { SourceModel } from './source-model.entity';
import { Study } from './study.entity';
import { Trial } from './trial.entity';
import { TrialEpoch } from './trial-epoch.entity';

export { ApiToken, Dataset, Evaluation, FeatureSet, Metric, Score, SourceModel, Study, Trial, TrialEpoch };
export type { ApiTokenRole } from './api-token.entity';
export type { DatasetRole } from './dataset.entity';
export type { MetricDirection, MetricInput } from './metric.entity';
export type { ScoreStatus } from './score.entity';
export type { StudyOrigin } from './study.entity';
export type { TransferProtocol, TrialStatus } from './trial.entity';

/** Every entity of the results database, in the order TypeORM should know them. */
export const ENTITIES = [Study, Dataset, SourceModel, Metric, FeatureSet, Score, Trial, TrialEpoch, Evaluation, ApiToken];
