import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Tables whose writes change query answers; every statement on them bumps the change version. */
const RESULT_TABLES = ['study', 'dataset', 'source_model', 'metric', 'feature_set', 'score', 'trial', 'trial_epoch', 'evaluation'];

/**
 * API access: hashed API tokens, and a database change version that caches key on.
 *
 * The change version is one row updated by statement-level triggers on every results table, so it changes for
 * every writer (API, CLI importers, compute workers) and becomes visible in the same commit as the data it
 * describes: a reader can never see a new version with old data, or old data under a new version. The price is that
 * concurrent writing transactions serialise on that row until they commit; writes here are batched, so that is cheap.
 */
export class ApiAccess1764200000000 implements MigrationInterface {
  name = 'ApiAccess1764200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "api_token" ("id" SERIAL NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "secret_sha256" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_b4c5f1d6b2b1f3e0c4b1fa1bd31" UNIQUE ("name"), CONSTRAINT "PK_api_token" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "change_version" ("id" smallint NOT NULL DEFAULT 1, "version" bigint NOT NULL DEFAULT 0, CONSTRAINT "PK_change_version" PRIMARY KEY ("id"), CONSTRAINT "ck_change_version_single_row" CHECK ("id" = 1))`);
    await queryRunner.query(`INSERT INTO "change_version" ("id", "version") VALUES (1, 0)`);
    await queryRunner.query(`CREATE FUNCTION "bump_change_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "change_version" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END
$$`);
    for (const table of RESULT_TABLES) {
      await queryRunner.query(`CREATE TRIGGER "tr_${table}_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of RESULT_TABLES) await queryRunner.query(`DROP TRIGGER "tr_${table}_change_version" ON "${table}"`);
    await queryRunner.query(`DROP FUNCTION "bump_change_version"()`);
    await queryRunner.query(`DROP TABLE "change_version"`);
    await queryRunner.query(`DROP TABLE "api_token"`);
  }
}
