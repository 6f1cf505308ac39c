import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, Unique, type Relation } from 'typeorm';
import { FeatureSet } from './feature-set.entity';
import { Metric } from './metric.entity';
import { StudyResult } from './study-result.base';

/**
 * `ok` carries a value; `skipped` (an input the metric needs is missing) and `failed` carry a reason instead.
 * `raw` is a pool-relative metric's own, not yet normalised result for one model (its components in provenance): the
 * input of the pool's `ok` rows, never a score to correlate (queries take `ok` rows only).
 */
export type ScoreStatus = 'ok' | 'skipped' | 'failed' | 'raw';

/** One transferability score of one model on one dataset split, within a study. */
@Entity({ name: 'score' })
@Unique('uq_score_identity', ['studyId', 'metricId', 'modelId', 'datasetId', 'split', 'poolId'])
// Covering index (INCLUDE model_id, value, status), which TypeORM cannot declare: created by migration
// CorrelationVectorsIndex1764310000000 and left alone by schema synchronisation.
@Index('ix_score_vectors', { synchronize: false })
export class Score extends StudyResult {
  @ManyToOne(() => Metric, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'metric_id' })
  metric!: Relation<Metric>;

  @Column({ type: 'text', name: 'metric_id' })
  metricId!: string;

  /** The split the score was computed on (`train` for the study's protocol). */
  @Column({ type: 'text', default: 'train' })
  split!: string;

  /** For pool-relative metrics, the id of the model pool the value is relative to; '' otherwise. */
  @Column({ type: 'text', name: 'pool_id', default: '' })
  poolId!: string;

  @ManyToOne(() => FeatureSet, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'feature_set_id' })
  featureSet!: Relation<FeatureSet> | null;

  @Column({ type: 'integer', name: 'feature_set_id', nullable: true })
  featureSetId!: number | null;

  @Column({ type: 'text', default: 'ok' })
  status!: ScoreStatus;

  @Column({ type: 'double precision', nullable: true })
  value!: number | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'double precision', nullable: true })
  seconds!: number | null;

  /** Metric version, seed, diagnostics, or the imported file and line. */
  @Column({ type: 'jsonb', default: {} })
  provenance!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
