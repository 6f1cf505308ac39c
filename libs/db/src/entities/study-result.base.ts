import { Column, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Dataset } from './dataset.entity';
import { SourceModel } from './source-model.entity';
import { Study } from './study.entity';

/**
 * What every result row (score, trial, evaluation) is about: one model on one dataset within one study. Deleting
 * a study deletes its results; a model or dataset with results cannot be deleted.
 */
export abstract class StudyResult {
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
}
