import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import { Dataset } from './dataset.entity';
import { SourceModel } from './source-model.entity';

/** Features (and source-head probabilities) extracted by one model from one dataset split under one preprocessing. */
@Entity({ name: 'feature_set' })
@Unique('uq_feature_set_identity', ['modelId', 'datasetId', 'split', 'manifestHash', 'preprocessingHash'])
export class FeatureSet {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @ManyToOne(() => SourceModel, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model!: Relation<SourceModel>;

  @Column({ type: 'text', name: 'model_id' })
  modelId!: string;

  @ManyToOne(() => Dataset, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'dataset_id' })
  dataset!: Relation<Dataset>;

  @Column({ type: 'integer', name: 'dataset_id' })
  datasetId!: number;

  /** `train`, `val`, `test`, or `ood`. */
  @Column({ type: 'text' })
  split!: string;

  @Column({ type: 'text', name: 'manifest_hash' })
  manifestHash!: string;

  @Column({ type: 'text', name: 'preprocessing_hash' })
  preprocessingHash!: string;

  @Column({ type: 'integer', name: 'num_samples' })
  numSamples!: number;

  @Column({ type: 'integer', name: 'feature_dim' })
  featureDim!: number;

  /** Number of source classes of the head, null when the model has none. */
  @Column({ type: 'integer', name: 'source_classes', nullable: true })
  sourceClasses!: number | null;

  /** Where the cached arrays live (relative to TRANSFERSCOPE_HOME). */
  @Column({ type: 'text', name: 'cache_path', default: '' })
  cachePath!: string;

  /** Backend, threads, library versions, seconds, images/s. */
  @Column({ type: 'jsonb', default: {} })
  provenance!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
