import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The whole results schema: studies, datasets, source models, metrics, feature sets, scores, trials with their
 * epochs, and evaluations. Unique keys make every write idempotent (importers and workers upsert on them).
 */
export class InitialSchema1764093600000 implements MigrationInterface {
  name = 'InitialSchema1764093600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "dataset" ("id" SERIAL NOT NULL, "name" text NOT NULL, "task" text NOT NULL DEFAULT '', "num_classes" integer, "class_names" jsonb, "role" text NOT NULL DEFAULT 'ID', "id_dataset_id" integer, "manifest_hash" text, "audit" jsonb, CONSTRAINT "UQ_109fd11edd246e0465d2e7e76a1" UNIQUE ("name"), CONSTRAINT "PK_36c1c67adb3d1dd69ae57f18913" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "source_model" ("id" text NOT NULL, "architecture" text NOT NULL DEFAULT '', "source_dataset" text NOT NULL DEFAULT '', "weights_hash" text, "parameter_count" bigint, "imagenet_top1" double precision, "metadata" jsonb NOT NULL DEFAULT '{}'::jsonb, CONSTRAINT "PK_d691c401b4c9e7910044c969340" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "study" ("id" SERIAL NOT NULL, "name" text NOT NULL, "description" text NOT NULL DEFAULT '', "origin" text NOT NULL, "definition" jsonb NOT NULL DEFAULT '{}'::jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_8b76a3627bb31d4880f7c5e9e0b" UNIQUE ("name"), CONSTRAINT "PK_ae14dbea0172b8521edb2ce4597" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "trial_epoch" ("trial_id" integer NOT NULL, "epoch" integer NOT NULL, "learning_rate" double precision NOT NULL, "train_loss" double precision NOT NULL, "val_loss" double precision NOT NULL, "train_balanced_accuracy" double precision, "val_balanced_accuracy" double precision NOT NULL, CONSTRAINT "PK_3ef03e29128a5f3a3052947c753" PRIMARY KEY ("trial_id", "epoch"))`);
    await queryRunner.query(`CREATE TABLE "trial" ("id" SERIAL NOT NULL, "study_id" integer NOT NULL, "model_id" text NOT NULL, "dataset_id" integer NOT NULL, "protocol" text NOT NULL, "halton_index" integer NOT NULL, "seed" integer NOT NULL, "hyper_parameters" jsonb NOT NULL, "status" text NOT NULL DEFAULT 'pending', "best_epoch" integer, "val_loss" double precision, "val_balanced_accuracy" double precision, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "uq_trial_identity" UNIQUE ("study_id", "model_id", "dataset_id", "protocol", "halton_index", "seed"), CONSTRAINT "PK_9b88700fa823eea233967835856" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "evaluation" ("id" SERIAL NOT NULL, "study_id" integer NOT NULL, "model_id" text NOT NULL, "dataset_id" integer NOT NULL, "split" text NOT NULL, "protocol" text NOT NULL, "measure" text NOT NULL, "value" double precision NOT NULL, "trial_id" integer, "confusion_matrix" jsonb, "provenance" jsonb NOT NULL DEFAULT '{}'::jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_evaluation_identity" UNIQUE ("study_id", "model_id", "dataset_id", "protocol", "measure"), CONSTRAINT "PK_b72edd439b9db736f55b584fa54" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_evaluation_correlation" ON "evaluation"  ("study_id", "dataset_id", "measure")`);
    await queryRunner.query(`CREATE TABLE "feature_set" ("id" SERIAL NOT NULL, "model_id" text NOT NULL, "dataset_id" integer NOT NULL, "split" text NOT NULL, "manifest_hash" text NOT NULL, "preprocessing_hash" text NOT NULL, "num_samples" integer NOT NULL, "feature_dim" integer NOT NULL, "source_classes" integer, "cache_path" text NOT NULL DEFAULT '', "provenance" jsonb NOT NULL DEFAULT '{}'::jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_feature_set_identity" UNIQUE ("model_id", "dataset_id", "split", "manifest_hash", "preprocessing_hash"), CONSTRAINT "PK_035a370479582cd98dd06b21a31" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "metric" ("id" text NOT NULL, "variant" text NOT NULL DEFAULT 'default', "version" text NOT NULL DEFAULT '', "direction" text NOT NULL DEFAULT 'higher', "pool_relative" boolean NOT NULL DEFAULT false, "required_inputs" jsonb NOT NULL DEFAULT '[]'::jsonb, "paper" text NOT NULL DEFAULT '', CONSTRAINT "PK_7d24c075ea2926dd32bd1c534ce" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "score" ("id" SERIAL NOT NULL, "study_id" integer NOT NULL, "metric_id" text NOT NULL, "model_id" text NOT NULL, "dataset_id" integer NOT NULL, "split" text NOT NULL DEFAULT 'train', "pool_id" text NOT NULL DEFAULT '', "feature_set_id" integer, "status" text NOT NULL DEFAULT 'ok', "value" double precision, "reason" text, "seconds" double precision, "provenance" jsonb NOT NULL DEFAULT '{}'::jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_score_identity" UNIQUE ("study_id", "metric_id", "model_id", "dataset_id", "split", "pool_id"), CONSTRAINT "PK_1770f42c61451103f5514134078" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_score_correlation" ON "score"  ("study_id", "dataset_id", "metric_id")`);
    await queryRunner.query(`ALTER TABLE "dataset" ADD CONSTRAINT "FK_527619d4a356379d0732acb800c" FOREIGN KEY ("id_dataset_id") REFERENCES "dataset"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "trial_epoch" ADD CONSTRAINT "FK_1f4c7c173e6b45bb7b7f5fe8b4c" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "trial" ADD CONSTRAINT "FK_2f74e81a2259bc8a238b4a64f08" FOREIGN KEY ("study_id") REFERENCES "study"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "trial" ADD CONSTRAINT "FK_b14669ae6b5a80510727ea6a12d" FOREIGN KEY ("model_id") REFERENCES "source_model"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "trial" ADD CONSTRAINT "FK_1f1818652578bf25ffd1862a34d" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "evaluation" ADD CONSTRAINT "FK_8bef1881d3e988f723a7c815c36" FOREIGN KEY ("study_id") REFERENCES "study"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "evaluation" ADD CONSTRAINT "FK_c17b397207be77aeae7035a792c" FOREIGN KEY ("model_id") REFERENCES "source_model"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "evaluation" ADD CONSTRAINT "FK_9add8b5fd2b68e475f8889d4af9" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "evaluation" ADD CONSTRAINT "FK_b2886bdf63b2b7d527caf9a4237" FOREIGN KEY ("trial_id") REFERENCES "trial"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "feature_set" ADD CONSTRAINT "FK_4aff12a59ad4dc959b9ec953c11" FOREIGN KEY ("model_id") REFERENCES "source_model"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "feature_set" ADD CONSTRAINT "FK_ec7d4e4f106baf0b79a8a125e16" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "score" ADD CONSTRAINT "FK_a87d341bb70636a66a61f386aba" FOREIGN KEY ("study_id") REFERENCES "study"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "score" ADD CONSTRAINT "FK_341d60d95a751920f1a523a8b19" FOREIGN KEY ("metric_id") REFERENCES "metric"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "score" ADD CONSTRAINT "FK_b1220db146bf40c3c2ca9e70b8f" FOREIGN KEY ("model_id") REFERENCES "source_model"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "score" ADD CONSTRAINT "FK_c525b9e5e8330391e67159af1e6" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "score" ADD CONSTRAINT "FK_71cca2cfaabaa54e52ec474aa98" FOREIGN KEY ("feature_set_id") REFERENCES "feature_set"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Children before parents, so every foreign key goes with its table.
    await queryRunner.query(`DROP TABLE "score"`);
    await queryRunner.query(`DROP TABLE "evaluation"`);
    await queryRunner.query(`DROP TABLE "trial_epoch"`);
    await queryRunner.query(`DROP TABLE "trial"`);
    await queryRunner.query(`DROP TABLE "feature_set"`);
    await queryRunner.query(`DROP TABLE "metric"`);
    await queryRunner.query(`DROP TABLE "study"`);
    await queryRunner.query(`DROP TABLE "source_model"`);
    await queryRunner.query(`DROP TABLE "dataset"`);
  }
}
