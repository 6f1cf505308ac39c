import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Where a dataset comes from (a citation, URL, licence note), as registered through the API's `registerDataset`;
 * '' for datasets known only by name (imported results) or recorded by a study run.
 */
export class DatasetSource1764300000000 implements MigrationInterface {
  name = 'DatasetSource1764300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dataset" ADD "source" text NOT NULL DEFAULT ''`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dataset" DROP COLUMN "source"`);
  }
}
