import { kendallTauB } from '@transferscope/stats';
import { type DataSource } from 'typeorm';
import { CorrelationMethod } from './correlation-method.enum';
import { type Correlation } from './correlation.type';
import { CorrelationError } from './correlation.error';

export interface CorrelationQuery {
  studies?: string[] | null;
  datasets?: string[] | null;
  metrics?: string[] | null;
  method: CorrelationMethod;
  /** Evaluation measure the scores are compared with, e.g. `test_balanced_accuracy`. */
  performance: string;
}

interface PairRow {
  study: string;
  dataset: string;
  metric: string;
  score: number;
  performance: number;
}

/**
 * Correlates transferability scores with transfer performance: one row per (study, dataset, metric) that has
 * both, over the models that have both.
 */
export class CorrelationService {
  constructor(private readonly dataSource: DataSource) {}

  async correlations(query: CorrelationQuery): Promise<Correlation[]> {
    const rows: PairRow[] = await this.dataSource.query(
      `SELECT st.name AS study, d.name AS dataset, s.metric_id AS metric, s.value AS score, e.value AS performance
       FROM score s
       JOIN evaluation e ON e.study_id = s.study_id AND e.dataset_id = s.dataset_id AND e.model_id = s.model_id
       JOIN study st ON st.id = s.study_id
       JOIN dataset d ON d.id = s.dataset_id
       WHERE s.status = 'ok' AND s.pool_id = '' AND e.measure = $1
         AND ($2::text[] IS NULL OR st.name = ANY($2::text[]))
         AND ($3::text[] IS NULL OR d.name = ANY($3::text[]))
         AND ($4::text[] IS NULL OR s.metric_id = ANY($4::text[]))
       ORDER BY st.name, d.name, s.metric_id, s.model_id`,
      [query.performance, query.studies ?? null, query.datasets ?? null, query.metrics ?? null],
    );
    if (rows.length === 0) await this.assertMeasureExists(query.performance);

    const result: Correlation[] = [];
    for (const group of groupConsecutive(rows)) {
      const first = group[0]!;
      const { value, pValue } = correlate(
        query.method,
        group.map((row) => row.score),
        group.map((row) => row.performance),
      );
      result.push({ study: first.study, dataset: first.dataset, metric: first.metric, method: query.method, performance: query.performance, value, pValue, n: group.length });
    }
    return result;
  }

  private async assertMeasureExists(measure: string): Promise<void> {
    const [known] = await this.dataSource.query('SELECT 1 FROM evaluation WHERE measure = $1 LIMIT 1', [measure]);
    if (!known) {
      const measures: { measure: string }[] = await this.dataSource.query('SELECT DISTINCT measure FROM evaluation ORDER BY measure');
      throw new CorrelationError(
        'UNKNOWN_PERFORMANCE_MEASURE',
        `no evaluation has the performance measure "${measure.slice(0, 64)}"; known measures: ${measures.map((m) => m.measure).join(', ') || '(none)'}`,
      );
    }
  }
}

/** Rows arrive sorted by (study, dataset, metric); split them where the key changes. */
function* groupConsecutive(rows: PairRow[]): Generator<PairRow[]> {
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i];
    if (!b || b.study !== a.study || b.dataset !== a.dataset || b.metric !== a.metric) {
      yield rows.slice(start, i);
      start = i;
    }
  }
}

/** Undefined coefficients (n < 2, constant input) are reported as null rather than as an error. */
function correlate(method: CorrelationMethod, scores: number[], performance: number[]): { value: number | null; pValue: number | null } {
  if (scores.length < 2) return { value: null, pValue: null };
  switch (method) {
    case CorrelationMethod.KENDALL_TAU_B: {
      const { statistic, pValue } = kendallTauB(scores, performance);
      return { value: Number.isNaN(statistic) ? null : statistic, pValue: Number.isNaN(pValue) ? null : pValue };
    }
  }
}
