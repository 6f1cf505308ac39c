import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Per-group vectors for the correlation query, kept by triggers so every writer (API, CLI importers, compute
 * workers, plain SQL) keeps them current in its own transaction:
 *
 * - `score_vector`: one row per (study, dataset, metric, split, pool) with the `ok` scores that have a value:
 *   `models` (model ids joined by chr(31), in C-collation order) and `scores` (their values as big-endian float64,
 *   8 bytes each, `float8send`, same order).
 * - `evaluation_vector`: one row per (study, dataset, measure, protocol), `models` and `performance` alike.
 *
 * Reading every study's scores row by row (1.2M rows, split and parsed as text) cost ~0.4 s in Postgres and ~0.5 s
 * of API CPU; the 40,000 score vectors are read in ~5 ms and decoded without number parsing.
 *
 * Statement-level AFTER triggers with transition tables collect the changed group keys and rebuild those groups
 * from the base table. Before rebuilding they lock the `change_version` row (which the change-version triggers
 * update in the same statement anyway), so writers of results serialise there until commit; each statement of a
 * plpgsql function takes a new snapshot under READ COMMITTED, so the rebuild sees every committed write to its
 * groups plus this transaction's own (under REPEATABLE READ a concurrent writer fails on that row instead, as it
 * already did on the change version). TRUNCATE empties the vectors.
 */
export class CorrelationVectors1764320000000 implements MigrationInterface {
  name = 'CorrelationVectors1764320000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "score_vector" ("study_id" integer NOT NULL, "dataset_id" integer NOT NULL, "metric_id" text NOT NULL, "split" text NOT NULL, "pool_id" text NOT NULL, ` +
        `"models" text NOT NULL, "scores" bytea NOT NULL, CONSTRAINT "PK_score_vector" PRIMARY KEY ("study_id", "dataset_id", "metric_id", "split", "pool_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "evaluation_vector" ("study_id" integer NOT NULL, "dataset_id" integer NOT NULL, "measure" text NOT NULL, "protocol" text NOT NULL, ` +
        `"models" text NOT NULL, "performance" bytea NOT NULL, CONSTRAINT "PK_evaluation_vector" PRIMARY KEY ("study_id", "dataset_id", "measure", "protocol"))`,
    );
    await queryRunner.query(`CREATE FUNCTION "refresh_score_vectors"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  studies integer[]; datasets integer[]; metrics text[]; splits text[]; pools text[];
BEGIN
  PERFORM 1 FROM "change_version" WHERE "id" = 1 FOR UPDATE;
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM "score_vector";
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(study_id), array_agg(dataset_id), array_agg(metric_id), array_agg(split), array_agg(pool_id) INTO studies, datasets, metrics, splits, pools
    FROM (SELECT DISTINCT study_id, dataset_id, metric_id, split, pool_id FROM new_rows) k;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(study_id), array_agg(dataset_id), array_agg(metric_id), array_agg(split), array_agg(pool_id) INTO studies, datasets, metrics, splits, pools
    FROM (SELECT DISTINCT study_id, dataset_id, metric_id, split, pool_id FROM old_rows) k;
  ELSE
    SELECT array_agg(study_id), array_agg(dataset_id), array_agg(metric_id), array_agg(split), array_agg(pool_id) INTO studies, datasets, metrics, splits, pools
    FROM (SELECT study_id, dataset_id, metric_id, split, pool_id FROM old_rows UNION SELECT study_id, dataset_id, metric_id, split, pool_id FROM new_rows) k;
  END IF;
  IF studies IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM "score_vector" v USING unnest(studies, datasets, metrics, splits, pools) AS k(study_id, dataset_id, metric_id, split, pool_id)
  WHERE v.study_id = k.study_id AND v.dataset_id = k.dataset_id AND v.metric_id = k.metric_id AND v.split = k.split AND v.pool_id = k.pool_id;
  INSERT INTO "score_vector" (study_id, dataset_id, metric_id, split, pool_id, models, scores)
  SELECT s.study_id, s.dataset_id, s.metric_id, s.split, s.pool_id,
         string_agg(s.model_id, chr(31) ORDER BY s.model_id COLLATE "C"), string_agg(float8send(s.value), ''::bytea ORDER BY s.model_id COLLATE "C")
  FROM "score" s JOIN unnest(studies, datasets, metrics, splits, pools) AS k(study_id, dataset_id, metric_id, split, pool_id)
    ON s.study_id = k.study_id AND s.dataset_id = k.dataset_id AND s.metric_id = k.metric_id AND s.split = k.split AND s.pool_id = k.pool_id
  WHERE s.status = 'ok' AND s.value IS NOT NULL
  GROUP BY s.study_id, s.dataset_id, s.metric_id, s.split, s.pool_id;
  RETURN NULL;
END
$$`);
    await queryRunner.query(`CREATE FUNCTION "refresh_evaluation_vectors"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  studies integer[]; datasets integer[]; measures text[]; protocols text[];
BEGIN
  PERFORM 1 FROM "change_version" WHERE "id" = 1 FOR UPDATE;
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM "evaluation_vector";
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(study_id), array_agg(dataset_id), array_agg(measure), array_agg(protocol) INTO studies, datasets, measures, protocols
    FROM (SELECT DISTINCT study_id, dataset_id, measure, protocol FROM new_rows) k;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(study_id), array_agg(dataset_id), array_agg(measure), array_agg(protocol) INTO studies, datasets, measures, protocols
    FROM (SELECT DISTINCT study_id, dataset_id, measure, protocol FROM old_rows) k;
  ELSE
    SELECT array_agg(study_id), array_agg(dataset_id), array_agg(measure), array_agg(protocol) INTO studies, datasets, measures, protocols
    FROM (SELECT study_id, dataset_id, measure, protocol FROM old_rows UNION SELECT study_id, dataset_id, measure, protocol FROM new_rows) k;
  END IF;
  IF studies IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM "evaluation_vector" v USING unnest(studies, datasets, measures, protocols) AS k(study_id, dataset_id, measure, protocol)
  WHERE v.study_id = k.study_id AND v.dataset_id = k.dataset_id AND v.measure = k.measure AND v.protocol = k.protocol;
  INSERT INTO "evaluation_vector" (study_id, dataset_id, measure, protocol, models, performance)
  SELECT e.study_id, e.dataset_id, e.measure, e.protocol,
         string_agg(e.model_id, chr(31) ORDER BY e.model_id COLLATE "C"), string_agg(float8send(e.value), ''::bytea ORDER BY e.model_id COLLATE "C")
  FROM "evaluation" e JOIN unnest(studies, datasets, measures, protocols) AS k(study_id, dataset_id, measure, protocol)
    ON e.study_id = k.study_id AND e.dataset_id = k.dataset_id AND e.measure = k.measure AND e.protocol = k.protocol
  GROUP BY e.study_id, e.dataset_id, e.measure, e.protocol;
  RETURN NULL;
END
$$`);
    // Transition tables allow one event per trigger: insert, update and delete each have their own.
    await queryRunner.query(`CREATE TRIGGER "tr_score_vectors_insert" AFTER INSERT ON "score" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "refresh_score_vectors"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_score_vectors_update" AFTER UPDATE ON "score" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "refresh_score_vectors"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_score_vectors_delete" AFTER DELETE ON "score" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "refresh_score_vectors"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_score_vectors_truncate" AFTER TRUNCATE ON "score" FOR EACH STATEMENT EXECUTE FUNCTION "refresh_score_vectors"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_evaluation_vectors_insert" AFTER INSERT ON "evaluation" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "refresh_evaluation_vectors"()`);
    await queryRunner.query(
      `CREATE TRIGGER "tr_evaluation_vectors_update" AFTER UPDATE ON "evaluation" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "refresh_evaluation_vectors"()`,
    );
    await queryRunner.query(`CREATE TRIGGER "tr_evaluation_vectors_delete" AFTER DELETE ON "evaluation" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "refresh_evaluation_vectors"()`);
    await queryRunner.query(`CREATE TRIGGER "tr_evaluation_vectors_truncate" AFTER TRUNCATE ON "evaluation" FOR EACH STATEMENT EXECUTE FUNCTION "refresh_evaluation_vectors"()`);
    // Backfill: the vectors of every result already stored.
    await queryRunner.query(`INSERT INTO "score_vector" (study_id, dataset_id, metric_id, split, pool_id, models, scores)
      SELECT study_id, dataset_id, metric_id, split, pool_id,
             string_agg(model_id, chr(31) ORDER BY model_id COLLATE "C"), string_agg(float8send(value), ''::bytea ORDER BY model_id COLLATE "C")
      FROM "score" WHERE status = 'ok' AND value IS NOT NULL
      GROUP BY study_id, dataset_id, metric_id, split, pool_id`);
    await queryRunner.query(`INSERT INTO "evaluation_vector" (study_id, dataset_id, measure, protocol, models, performance)
      SELECT study_id, dataset_id, measure, protocol,
             string_agg(model_id, chr(31) ORDER BY model_id COLLATE "C"), string_agg(float8send(value), ''::bytea ORDER BY model_id COLLATE "C")
      FROM "evaluation" GROUP BY study_id, dataset_id, measure, protocol`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "tr_score_vectors_insert" ON "score"`);
    await queryRunner.query(`DROP TRIGGER "tr_score_vectors_update" ON "score"`);
    await queryRunner.query(`DROP TRIGGER "tr_score_vectors_delete" ON "score"`);
    await queryRunner.query(`DROP TRIGGER "tr_score_vectors_truncate" ON "score"`);
    await queryRunner.query(`DROP TRIGGER "tr_evaluation_vectors_insert" ON "evaluation"`);
    await queryRunner.query(`DROP TRIGGER "tr_evaluation_vectors_update" ON "evaluation"`);
    await queryRunner.query(`DROP TRIGGER "tr_evaluation_vectors_delete" ON "evaluation"`);
    await queryRunner.query(`DROP TRIGGER "tr_evaluation_vectors_truncate" ON "evaluation"`);
    await queryRunner.query(`DROP FUNCTION "refresh_evaluation_vectors"()`);
    await queryRunner.query(`DROP FUNCTION "refresh_score_vectors"()`);
    await queryRunner.query(`DROP TABLE "evaluation_vector"`);
    await queryRunner.query(`DROP TABLE "score_vector"`);
  }
}
