import { type MigrationInterface, type QueryRunner } from 'typeorm';

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
    // Every results table: any statement on them changes query answers.
    await queryRunner.query(`CREATE TRIGGER "tr_study_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "study" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_dataset_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "dataset" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_source_model_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "source_model" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_metric_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "metric" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_feature_set_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "feature_set" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_score_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "score" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_trial_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trial" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_trial_epoch_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trial_epoch" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_evaluation_change_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "evaluation" FOR EACH STATEMENT EXECUTE FUNCTION "bump_change_version"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "tr_study_change_version" ON "study"`);
    await queryRunner.query(`DROP TRIGGER "tr_dataset_change_version" ON "dataset"`);
    await queryRunner.query(`DROP TRIGGER "tr_source_model_change_version" ON "source_model"`);
    await queryRunner.query(`DROP TRIGGER "tr_metric_change_version" ON "metric"`);
    await queryRunner.query(`DROP TRIGGER "tr_feature_set_change_version" ON "feature_set"`);
    await queryRunner.query(`DROP TRIGGER "tr_score_change_version" ON "score"`);
    await queryRunner.query(`DROP TRIGGER "tr_trial_change_version" ON "trial"`);
    await queryRunner.query(`DROP TRIGGER "tr_trial_epoch_change_version" ON "trial_epoch"`);
    await queryRunner.query(`DROP TRIGGER "tr_evaluation_change_version" ON "evaluation"`);
    await queryRunner.query(`DROP FUNCTION "bump_change_version"()`);
    await queryRunner.query(`DROP TABLE "change_version"`);
    await queryRunner.query(`DROP TABLE "api_token"`);
  }
}
