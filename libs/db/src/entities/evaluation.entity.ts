import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import { Dataset } from './dataset.entity';
import { SourceModel } from './source-model.entity';
import { Study } from './study.entity';
import { Trial, type TransferProtocol } from './trial.entity';

/**
 * One measured transfer performance of a model on a dataset: the target the scores try to predict.
 * Measures are named (`test_balanced_accuracy`, `val_balanced_accuracy`, `test_accuracy`, `test_score`, ...);
 * an OOD evaluation is stored against the OOD dataset with the same measure names.
 */
@Entity({ name: 'evaluation' })
@Unique('uq_evaluation_identity', ['studyId', 'modelId', 'datasetId', 'protocol', 'measure'])
@Index('ix_evaluation_correlation', ['studyId', 'datasetId', 'measure'])
export class Evaluation {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @ManyToOne(() => Study, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'study_id' })
  study!: Relation<Study>;

  @Column({ type: 'integer', name: 'study_id' })
  studyId!: number;

  @ManyToOne(() => SourceModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_id' })
  model!: Relation<SourceModel>;

  @Column({ type: 'text', name: 'model_id' })
  modelId!: string;

  @ManyToOne(() => Dataset, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'dataset_id' })
  dataset!: Relation<Dataset>;

  @Column({ type: 'integer', name: 'dataset_id' })
  datasetId!: number;

  /** The split evaluated: `test`, `val` or `ood`. */
  @Column({ type: 'text' })
  split!: string;

  @Column({ type: 'text' })
  protocol!: TransferProtocol;

  @Column({ type: 'text' })
  measure!: string;

  @Column({ type: 'double precision' })
  value!: number;

  /** The trial whose checkpoint was evaluated; null for imported results. */
  @ManyToOne(() => Trial, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'trial_id' })
  trial!: Relation<Trial> | null;

  @Column({ type: 'integer', name: 'trial_id', nullable: true })
  trialId!: number | null;

  /** Rows = true class, columns = predicted class (sklearn's convention). */
  @Column({ type: 'jsonb', name: 'confusion_matrix', nullable: true })
  confusionMatrix!: number[][] | null;

  @Column({ type: 'jsonb', default: {} })
  provenance!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
