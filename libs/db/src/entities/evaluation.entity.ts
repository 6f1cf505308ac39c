import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, Unique, type Relation } from 'typeorm';
import { StudyResult } from './study-result.base';
import { Trial, type TransferProtocol } from './trial.entity';

/**
 * One measured transfer performance of a model on a dataset: the target the scores try to predict.
 * Measures are named (`test_balanced_accuracy`, `val_balanced_accuracy`, `test_accuracy`, `test_score`, ...);
 * an OOD evaluation is stored against the OOD dataset with the same measure names.
 */
@Entity({ name: 'evaluation' })
@Unique('uq_evaluation_identity', ['studyId', 'modelId', 'datasetId', 'protocol', 'measure'])
@Index('ix_evaluation_correlation', ['studyId', 'datasetId', 'measure'])
export class Evaluation extends StudyResult {
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
