import { ApiToken, type ApiTokenRole } from '@transferscope/db';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type DataSource, IsNull } from 'typeorm';
import { AuthError } from './auth.error';

export const API_TOKEN_ROLES: readonly ApiTokenRole[] = ['reader', 'writer', 'admin'];

/** `tsk_<id>_<43 base64url characters>`: the id finds the row, the 32 random bytes are the secret. */
const TOKEN_FORMAT = /^tsk_([1-9][0-9]{0,9})_([A-Za-z0-9_-]{43})$/;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$/;

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * API tokens: created with a random 32-byte secret that is returned once and stored only as its sha256; checked by
 * looking the row up by id and comparing digests in constant time, so response timing reveals nothing about the secret.
 */
export class ApiTokenService {
  /**
   * Tokens verified in the last `verifiedTtlMs`, by the sha256 of the whole token: a request with one of them skips
   * the database lookup (one round trip per request otherwise). A revocation through this service drops its entries
   * at once; one made elsewhere (the CLI, another server) takes effect within the TTL.
   */
  private readonly verified = new Map<string, { id: number; name: string; role: ApiTokenRole; until: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly verifiedTtlMs = 5_000,
  ) {}

  async create(name: string, role: ApiTokenRole): Promise<{ token: string; apiToken: ApiToken }> {
    if (!TOKEN_NAME.test(name)) throw new AuthError('UNKNOWN_TOKEN', `token name "${name.slice(0, 40)}" is not valid (letters, digits and _ . @ + - only, at most 64 characters)`);
    if (!API_TOKEN_ROLES.includes(role)) throw new AuthError('FORBIDDEN', `role "${String(role).slice(0, 20)}" is not one of ${API_TOKEN_ROLES.join(', ')}`);
    const secret = randomBytes(32).toString('base64url');
    const repository = this.dataSource.getRepository(ApiToken);
    if (await repository.exists({ where: { name } })) throw new AuthError('TOKEN_NAME_TAKEN', `a token named "${name}" exists already; revoke it or pick another name`);
    const apiToken = await repository.save(repository.create({ name, role, secretSha256: sha256(secret).toString('hex') }));
    return { token: `tsk_${apiToken.id}_${secret}`, apiToken };
  }

  /** The token's holder, or an UNAUTHENTICATED error for a malformed, unknown or revoked token. */
  async authenticate(token: string): Promise<{ name: string; role: ApiTokenRole }> {
    const match = TOKEN_FORMAT.exec(token);
    const invalid = new AuthError('UNAUTHENTICATED', 'the bearer token is not valid (malformed, unknown or revoked)');
    if (!match) throw invalid;
    const digest = sha256(token).toString('hex');
    const known = this.verified.get(digest);
    if (known && known.until > Date.now()) return { name: known.name, role: known.role };
    const row = await this.dataSource.getRepository(ApiToken).findOne({ where: { id: Number(match[1]), revokedAt: IsNull() } });
    // Compare even when the row is missing, so a hit and a miss cost the same.
    const expected = row ? Buffer.from(row.secretSha256, 'hex') : Buffer.alloc(32);
    if (!timingSafeEqual(sha256(match[2]!), expected) || !row) throw invalid;
    // Record use at most once a minute per token: a write per request would cost every read.
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
      void this.dataSource.getRepository(ApiToken).update(row.id, { lastUsedAt: new Date() }).catch(() => undefined);
    }
    if (this.verifiedTtlMs > 0) {
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(digest, { id: row.id, name: row.name, role: row.role, until: Date.now() + this.verifiedTtlMs });
    }
    return { name: row.name, role: row.role };
  }

  list(): Promise<ApiToken[]> {
    return this.dataSource.getRepository(ApiToken).find({ order: { name: 'ASC' } });
  }

  async revoke(name: string): Promise<ApiToken> {
    const repository = this.dataSource.getRepository(ApiToken);
    const row = await repository.findOne({ where: { name } });
    if (!row) throw new AuthError('UNKNOWN_TOKEN', `no token is named "${name.slice(0, 64)}"`);
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await repository.save(row);
    }
    for (const [digest, entry] of this.verified) if (entry.id === row.id) this.verified.delete(digest);
    return row;
  }
}
