import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Trial } from './trial.entity';

/** Learning curve of a trial, one row per epoch. */
@Entity({ name: 'trial_epoch' })
export class TrialEpoch {
  @PrimaryColumn({ type: 'integer', name: 'trial_id' })
  trialId!: number;

  /** 1-based epoch number. */
  @PrimaryColumn({ type: 'integer' })
  epoch!: number;

  @ManyToOne(() => Trial, (trial) => trial.epochs, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'trial_id' })
  trial!: Relation<Trial>;

  @Column({ type: 'double precision', name: 'learning_rate' })
  learningRate!: number;

  @Column({ type: 'double precision', name: 'train_loss' })
  trainLoss!: number;

  @Column({ type: 'double precision', name: 'val_loss' })
  valLoss!: number;

  @Column({ type: 'double precision', name: 'train_balanced_accuracy', nullable: true })
  trainBalancedAccuracy!: number | null;

  @Column({ type: 'double precision', name: 'val_balanced_accuracy' })
  valBalancedAccuracy!: number;
}
