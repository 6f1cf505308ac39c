import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Where a study's numbers come from: published results imported from files, or computed by our pipeline. */
export type StudyOrigin = 'imported' | 'computed';

/** A named body of results: one paper's published numbers, or one run of a study definition. */
@Entity({ name: 'study' })
export class Study {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text' })
  origin!: StudyOrigin;

  /** The validated study definition (computed studies) or import provenance (imported ones). */
  @Column({ type: 'jsonb', default: {} })
  definition!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
