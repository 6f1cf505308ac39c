import { Column, Entity, OneToMany, Unique, type Relation } from 'typeorm';
import { StudyResult } from './study-result.base';
import { TrialEpoch } from './trial-epoch.entity';

/** How transfer performance was obtained. `imported` numbers come from a paper's files. */
export type TransferProtocol = 'linear-probe' | 'finetune' | 'imported';

export type TrialStatus = 'pending' | 'running' | 'done' | 'failed';

/** One hyper-parameter trial (the k-th Halton point) of transferring a model to a dataset. */
@Entity({ name: 'trial' })
@Unique('uq_trial_identity', ['studyId', 'modelId', 'datasetId', 'protocol', 'haltonIndex', 'seed'])
export class Trial extends StudyResult {
  @Column({ type: 'text' })
  protocol!: TransferProtocol;

  /** Index k of the unscrambled 2-D Halton point that gave (lr, wd). */
  @Column({ type: 'integer', name: 'halton_index' })
  haltonIndex!: number;

  @Column({ type: 'integer' })
  seed!: number;

  /** Learning rate, weight decay, epochs, batch size, momentum, schedule. */
  @Column({ type: 'jsonb', name: 'hyper_parameters' })
  hyperParameters!: Record<string, unknown>;

  @Column({ type: 'text', default: 'pending' })
  status!: TrialStatus;

  /** Epoch whose checkpoint was kept (lowest validation loss). */
  @Column({ type: 'integer', name: 'best_epoch', nullable: true })
  bestEpoch!: number | null;

  @Column({ type: 'double precision', name: 'val_loss', nullable: true })
  valLoss!: number | null;

  @Column({ type: 'double precision', name: 'val_balanced_accuracy', nullable: true })
  valBalancedAccuracy!: number | null;

  @Column({ type: 'timestamptz', name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @OneToMany(() => TrialEpoch, (epoch) => epoch.trial)
  epochs!: Relation<TrialEpoch[]>;
}
