import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What a token may do; each role includes the ones before it (reader < writer < admin). */
export type ApiTokenRole = 'reader' | 'writer' | 'admin';

/**
 * A team member's or a script's API token. Only the sha256 of the random secret is stored, so a leaked database
 * does not leak usable tokens; the secret is shown once, when the token is created.
 */
@Entity({ name: 'api_token' })
export class ApiToken {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** Who or what holds it, e.g. `alice` or `nightly-import`. */
  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  role!: ApiTokenRole;

  /** Hex sha256 of the secret part of the token. */
  @Column({ type: 'text', name: 'secret_sha256' })
  secretSha256!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  /** A revoked token is kept (for the audit trail) but no longer accepted. */
  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
