import { Dataset, Metric, Study } from '@transferscope/db';
import { type DataSource } from 'typeorm';
import { type StudyProgressType } from './study.type';

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

  /** Counts for polling a running study's progress; null when there is no such study. */
  async progress(name: string): Promise<StudyProgressType | null> {
    const [row]: (StudyProgressType | undefined)[] = await this.dataSource.query(
      `SELECT st.name AS study,
              (SELECT count(*) FROM trial t WHERE t.study_id = st.id)::int AS "trialsTotal",
              (SELECT count(*) FROM trial t WHERE t.study_id = st.id AND t.status = 'done')::int AS "trialsDone",
              (SELECT count(*) FROM trial t WHERE t.study_id = st.id AND t.status = 'running')::int AS "trialsRunning",
              (SELECT count(*) FROM trial t WHERE t.study_id = st.id AND t.status = 'failed')::int AS "trialsFailed",
              (SELECT count(*) FROM score s WHERE s.study_id = st.id)::int AS "scoresTotal",
              (SELECT count(*) FROM score s WHERE s.study_id = st.id AND s.status = 'failed')::int AS "scoresFailed",
              (SELECT count(*) FROM score s WHERE s.study_id = st.id AND s.status = 'skipped')::int AS "scoresSkipped",
              (SELECT count(*) FROM evaluation e WHERE e.study_id = st.id)::int AS evaluations
       FROM study st WHERE st.name = $1`,
      [name],
    );
    return row ?? null;
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
