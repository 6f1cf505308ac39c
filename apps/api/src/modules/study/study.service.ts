import { Dataset, Metric, Study } from '@transferscope/db';
import { type DataSource } from 'typeorm';

/** Read access to studies and what they contain. */
export class StudyService {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<Study[]> {
    return this.dataSource.getRepository(Study).find({ order: { name: 'ASC' } });
  }

  /** Datasets with at least one score or evaluation in the study. */
  datasetsOf(studyId: number): Promise<Dataset[]> {
    return this.dataSource
      .getRepository(Dataset)
      .createQueryBuilder('d')
      .where('d.id IN (SELECT dataset_id FROM score WHERE study_id = :id UNION SELECT dataset_id FROM evaluation WHERE study_id = :id)', { id: studyId })
      .orderBy('d.name')
      .getMany();
  }

  /** Metrics with at least one score in the study. */
  metricsOf(studyId: number): Promise<Metric[]> {
    return this.dataSource
      .getRepository(Metric)
      .createQueryBuilder('m')
      .where('m.id IN (SELECT metric_id FROM score WHERE study_id = :id)', { id: studyId })
      .orderBy('m.id')
      .getMany();
  }
}
