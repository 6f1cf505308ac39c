import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A pretrained model that is transferred: a zoo entry or a model named by a published study. */
@Entity({ name: 'source_model' })
export class SourceModel {
  /** Stable id, e.g. `mobilenetv2-035-imagenet` (zoo) or `resnet50` (the study's names). */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', default: '' })
  architecture!: string;

  /** What it was pretrained on, e.g. `imagenet-1k`. */
  @Column({ type: 'text', name: 'source_dataset', default: '' })
  sourceDataset!: string;

  /** sha256 over the model's weight files; null for models known only by name (imported results). */
  @Column({ type: 'text', name: 'weights_hash', nullable: true })
  weightsHash!: string | null;

  @Column({ type: 'bigint', name: 'parameter_count', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  parameterCount!: number | null;

  /** ImageNet-1k top-1 accuracy in [0, 1] where published: a static baseline ranker. */
  @Column({ type: 'double precision', name: 'imagenet_top1', nullable: true })
  imagenetTop1!: number | null;

  @Column({ type: 'jsonb', default: {} })
  metadata!: Record<string, unknown>;
}
