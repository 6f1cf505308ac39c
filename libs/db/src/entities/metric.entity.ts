import { Column, Entity, PrimaryColumn } from 'typeorm';

export type MetricDirection = 'higher' | 'lower';

/** The inputs a score needs; a score missing one of them is skipped, not failed. */
export type MetricInput = 'features' | 'sourceProbabilities' | 'sourceLabels' | 'labels' | 'modelMetadata';

/** A transferability score as the registry defines it; every stored value names the metric version that made it. */
@Entity({ name: 'metric' })
export class Metric {
  /** Registry id, unique per variant (e.g. `leep` and `leep_prob` are two metrics). */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', default: 'default' })
  variant!: string;

  @Column({ type: 'text', default: '' })
  version!: string;

  @Column({ type: 'text', default: 'higher' })
  direction!: MetricDirection;

  /** Values only comparable within the pool of models they were computed for (e.g. min-max normalised scores). */
  @Column({ type: 'boolean', name: 'pool_relative', default: false })
  poolRelative!: boolean;

  @Column({ type: 'jsonb', name: 'required_inputs', default: [] })
  requiredInputs!: MetricInput[];

  /** Citation of the paper that defines the score. */
  @Column({ type: 'text', default: '' })
  paper!: string;
}
