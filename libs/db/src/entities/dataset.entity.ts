import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';

/** In-distribution datasets are fine-tuned on; out-of-distribution ones only evaluate a model tuned on their ID partner. */
export type DatasetRole = 'ID' | 'OOD';

/** A target task: the images a source model is transferred to. */
@Entity({ name: 'dataset' })
export class Dataset {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** What is being classified, e.g. "brain tumor MRI (4 classes)". */
  @Column({ type: 'text', default: '' })
  task!: string;

  /** Where the data comes from: a citation, URL or licence note (set by `registerDataset`; '' when unknown). */
  @Column({ type: 'text', default: '' })
  source!: string;

  @Column({ type: 'integer', name: 'num_classes', nullable: true })
  numClasses!: number | null;

  /** Class names indexed by label id. */
  @Column({ type: 'jsonb', name: 'class_names', nullable: true })
  classNames!: string[] | null;

  @Column({ type: 'text', default: 'ID' })
  role!: DatasetRole;

  /** For an OOD dataset, the ID dataset whose fine-tuned models it evaluates. */
  @ManyToOne(() => Dataset, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'id_dataset_id' })
  idDataset!: Relation<Dataset> | null;

  @Column({ type: 'integer', name: 'id_dataset_id', nullable: true })
  idDatasetId!: number | null;

  /** Hash of the dataset definition's manifests (content + label ids); null for datasets known only by name. */
  @Column({ type: 'text', name: 'manifest_hash', nullable: true })
  manifestHash!: string | null;

  /** Summary of the latest dataset audit (duplicates, leakage verdicts, class counts). */
  @Column({ type: 'jsonb', nullable: true })
  audit!: Record<string, unknown> | null;
}
