import { bootstrap } from '@transferscope/stats';
import { randomInt } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type DataSource } from 'typeorm';
import { readChangeVersion, ResultCache } from '../../server/result-cache';
import { type CorrelationMethod } from './correlation-method.enum';
import { CorrelationGrouping, type BootstrapIntervalKind, type DatasetRoleFilter, type TransferProtocolFilter } from './correlation-options.enum';
import { rowStatistic, type RowSample } from './correlation-statistic';
import { type Correlation, type CorrelationPair } from './correlation.type';
import { CorrelationError } from './correlation.error';

export interface CorrelationQuery {
  studies?: string[] | null;
  datasets?: string[] | null;
  metrics?: string[] | null;
  variants?: string[] | null;
  datasetRole?: DatasetRoleFilter | null;
  /** The model pool: only these models are ranked. */
  models?: string[] | null;
  protocol?: TransferProtocolFilter | null;
  method: CorrelationMethod;
  /** Evaluation measure the scores are compared with, e.g. `test_balanced_accuracy`. */
  performance: string;
  groupBy?: CorrelationGrouping | null;
  bootstrap?: { resamples: number; seed?: number | null; interval: BootstrapIntervalKind; level: number } | null;
  /** Add the static baseline rankers (ImageNet top-1, parameter count) where models have them (default true). */
  includeBaselines?: boolean | null;
}

export interface CorrelationLimits {
  /** Largest resamples x rows one request may ask for. */
  maxBootstrapWork: number;
  /** Answers kept for repeated identical queries (0 turns the cache off, e.g. to measure uncached latency). */
  cacheEntries: number;
}

export const DEFAULT_CORRELATION_LIMITS: CorrelationLimits = { maxBootstrapWork: 2_000_000, cacheEntries: 256 };

/** Baseline rankers: a model property used as if it were a score (higher = predicted better). */
const BASELINES = { imagenet_top1: 'imagenetTop1', parameter_count: 'parameterCount' } as const;
type BaselineId = keyof typeof BASELINES;

/** The pairs of one (study, dataset, metric, score split, pool, protocol): one per model, ordered by model. */
interface PairGroup {
  study: string;
  dataset: string;
  metric: string;
  scoreSplit: string;
  pool: string;
  poolRelative: boolean;
  baseline: boolean;
  protocol: string;
  models: string[];
  scores: number[];
  performance: number[];
}

interface Unit {
  row: Omit<Correlation, 'value' | 'pValue' | 'n' | 'groups' | 'ciLow' | 'ciHigh' | 'ciLevel' | 'seed' | 'rejectedResamples'>;
  byGroup: Map<string, { scores: number[]; performance: number[] }>;
}

/**
 * Correlates transferability scores (and baseline rankers) with transfer performance: one row per unit of
 * `groupBy` and (metric, score split, pool, protocol), over the models that have both. Answers are cached per
 * database change version.
 */
export class CorrelationService {
  private readonly cache: ResultCache<Correlation[]>;
  private readonly inFlight = new Map<string, Promise<Correlation[]>>();
  private readonly limits: CorrelationLimits;

  constructor(
    private readonly dataSource: DataSource,
    limits: Partial<CorrelationLimits> = {},
  ) {
    this.limits = { ...DEFAULT_CORRELATION_LIMITS, ...limits };
    this.cache = new ResultCache(this.limits.cacheEntries);
  }

  /** Cache statistics, for the tests and the benchmark. */
  get cacheStats(): { hits: number; misses: number } {
    return { hits: this.cache.hits, misses: this.cache.misses };
  }

  /** @param deadline - epoch milliseconds after which a long computation gives up with REQUEST_TIMEOUT. */
  async correlations(query: CorrelationQuery, deadline = Number.POSITIVE_INFINITY): Promise<Correlation[]> {
    // A bootstrap without a seed is meant to be fresh each time: never served from the cache.
    const seeded = !query.bootstrap || (query.bootstrap.seed !== null && query.bootstrap.seed !== undefined);
    const cacheable = seeded && this.limits.cacheEntries > 0;
    const key = JSON.stringify(normalise(query));
    const version = cacheable ? await readChangeVersion(this.dataSource) : '';
    if (!cacheable) return this.compute(query, deadline);
    const hit = this.cache.get(key, version);
    if (hit) return hit;
    // Identical queries arriving together share one computation instead of each starting their own.
    const flightKey = version + '\0' + key;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.compute(query, deadline)
        .then((result) => {
          this.cache.set(key, version, result);
          return result;
        })
        .finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    return flight;
  }

  /**
   * The (score, performance) pairs behind the rows of `query`, one per model, with the score as stored (not
   * oriented): what the dashboard plots.
   */
  async pairs(query: Omit<CorrelationQuery, 'method'>): Promise<CorrelationPair[]> {
    const groups = [...(await this.scoreGroups(query, false)), ...(await this.baselineGroups(query))];
    if (groups.length === 0) await this.assertMeasureExists(query.performance);
    return groups.flatMap(({ study, dataset, metric, protocol, baseline, models, scores, performance }) =>
      models.map((model, i) => ({ study, dataset, metric, model, protocol, baseline, score: scores[i]!, performance: performance[i]! })),
    );
  }

  private async compute(query: CorrelationQuery, deadline: number): Promise<Correlation[]> {
    const groups = [...(await this.scoreGroups(query)), ...(await this.baselineGroups(query))];
    if (groups.length === 0) await this.assertMeasureExists(query.performance);

    const units = groupIntoUnits(groups, query.groupBy ?? CorrelationGrouping.DATASET, query.method, query.performance);
    const spec = query.bootstrap;
    if (spec && spec.resamples * units.length > this.limits.maxBootstrapWork) {
      throw new CorrelationError(
        'BOOTSTRAP_TOO_LARGE',
        `bootstrap of ${spec.resamples} resamples over ${units.length} rows exceeds the limit of ${this.limits.maxBootstrapWork} resamples x rows per request; ` +
          'narrow the filter or ask for fewer resamples',
      );
    }
    const seed = spec ? (spec.seed ?? randomInt(2 ** 31 - 1)) : null;

    const result: Correlation[] = [];
    let lastYield = Date.now();
    for (const unit of units) {
      const sample = toSample(unit);
      const { value, pValue } = rowStatistic(query.method, sample);
      const row: Correlation = {
        ...unit.row,
        value,
        pValue,
        n: sample.scores.length,
        groups: sample.bounds.length,
        ciLow: null,
        ciHigh: null,
        ciLevel: null,
        seed: null,
        rejectedResamples: null,
      };
      if (spec && seed !== null && value !== null) {
        const interval = bootstrap({ x: sample.scores, y: sample.performance }, (x, y) => rowStatistic(query.method, { ...sample, scores: x, performance: y }, true).value ?? NaN, {
          resamples: spec.resamples,
          seed,
          alpha: 1 - spec.level,
          interval: spec.interval,
          groups: sample.groups,
        });
        Object.assign(row, {
          ciLow: Number.isNaN(interval.low) ? null : interval.low,
          ciHigh: Number.isNaN(interval.high) ? null : interval.high,
          ciLevel: spec.level,
          seed,
          rejectedResamples: interval.rejected,
        });
        // Resampling is CPU work on the event loop: let other requests in now and then, and respect the deadline.
        if (Date.now() - lastYield > 20) {
          if (Date.now() > deadline) throw new CorrelationError('REQUEST_TIMEOUT', 'the request ran past its time limit while bootstrapping; ask for fewer resamples or rows');
          await yieldToEventLoop();
          lastYield = Date.now();
        }
      }
      result.push(row);
    }
    return result;
  }

  /**
   * Scores paired with performances, aggregated in Postgres into one row of arrays per group: a query over a whole
   * database returns thousands of rows instead of millions (row objects, not arithmetic, were the cost).
   */
  private async scoreGroups(query: Omit<CorrelationQuery, 'method'>, orient = true): Promise<PairGroup[]> {
    // Joined text, split here: Postgres prints float8 as the shortest exact decimal, and splitting is far cheaper
    // than the driver's generic array parser.
    const raw: (Omit<PairGroup, 'baseline' | 'models' | 'scores' | 'performance'> & { direction: string; models: string; scores: string; performance: string })[] = await this.dataSource.query(
      `SELECT st.name AS study, d.name AS dataset, s.metric_id AS metric, s.split AS "scoreSplit", s.pool_id AS pool,
              m.pool_relative AS "poolRelative", m.direction, e.protocol,
              string_agg(s.model_id, chr(31) ORDER BY s.model_id) AS models, string_agg(s.value::text, ',' ORDER BY s.model_id) AS scores,
              string_agg(e.value::text, ',' ORDER BY s.model_id) AS performance
       FROM score s
       JOIN evaluation e ON e.study_id = s.study_id AND e.dataset_id = s.dataset_id AND e.model_id = s.model_id
       JOIN study st ON st.id = s.study_id
       JOIN dataset d ON d.id = s.dataset_id
       JOIN metric m ON m.id = s.metric_id
       WHERE s.status = 'ok' AND s.value IS NOT NULL AND e.measure = $1
         AND ($2::text[] IS NULL OR st.name = ANY($2::text[]))
         AND ($3::text[] IS NULL OR d.name = ANY($3::text[]))
         AND ($4::text[] IS NULL OR s.metric_id = ANY($4::text[]))
         AND ($5::text[] IS NULL OR m.variant = ANY($5::text[]))
         AND ($6::text IS NULL OR d.role = $6::text)
         AND ($7::text[] IS NULL OR s.model_id = ANY($7::text[]))
         AND ($8::text IS NULL OR e.protocol = $8::text)
       GROUP BY st.name, d.name, s.metric_id, s.split, s.pool_id, m.pool_relative, m.direction, e.protocol
       ORDER BY st.name, d.name, s.metric_id, s.split, s.pool_id, e.protocol`,
      [query.performance, query.studies ?? null, query.datasets ?? null, query.metrics ?? null, query.variants ?? null, query.datasetRole ?? null, query.models ?? null, query.protocol ?? null],
    );
    return raw.map(({ direction, models, scores, performance, ...group }) => {
      // Orient every score so that higher means "predicted to transfer better".
      const sign = orient && direction === 'lower' ? -1 : 1;
      return { ...group, baseline: false, models: models.split('\u001f'), scores: scores.split(',').map((v) => sign * Number(v)), performance: performance.split(',').map(Number) };
    });
  }

  private async baselineGroups(query: Omit<CorrelationQuery, 'method'>): Promise<PairGroup[]> {
    if (query.includeBaselines === false || query.variants) return [];
    const wanted = (Object.keys(BASELINES) as BaselineId[]).filter((id) => !query.metrics || query.metrics.includes(id));
    if (wanted.length === 0) return [];
    const raw: { model: string; study: string; dataset: string; protocol: string; performance: number; imagenetTop1: number | null; parameterCount: string | null }[] = await this.dataSource.query(
      `SELECT e.model_id AS model, st.name AS study, d.name AS dataset, e.protocol, e.value AS performance,
              sm.imagenet_top1 AS "imagenetTop1", sm.parameter_count::text AS "parameterCount"
       FROM evaluation e
       JOIN study st ON st.id = e.study_id
       JOIN dataset d ON d.id = e.dataset_id
       JOIN source_model sm ON sm.id = e.model_id
       WHERE e.measure = $1 AND (sm.imagenet_top1 IS NOT NULL OR sm.parameter_count IS NOT NULL)
         AND ($2::text[] IS NULL OR st.name = ANY($2::text[]))
         AND ($3::text[] IS NULL OR d.name = ANY($3::text[]))
         AND ($4::text IS NULL OR d.role = $4::text)
         AND ($5::text[] IS NULL OR e.model_id = ANY($5::text[]))
         AND ($6::text IS NULL OR e.protocol = $6::text)
       ORDER BY st.name, d.name, e.protocol, e.model_id`,
      [query.performance, query.studies ?? null, query.datasets ?? null, query.datasetRole ?? null, query.models ?? null, query.protocol ?? null],
    );
    const groups: PairGroup[] = [];
    for (const id of wanted) {
      let group: PairGroup | null = null;
      // Rows are ordered by (study, dataset, protocol): a group ends where that changes.
      for (const row of raw) {
        const value = id === 'imagenet_top1' ? row.imagenetTop1 : row.parameterCount === null ? null : Number(row.parameterCount);
        if (value === null) continue;
        const { study, dataset, protocol } = row;
        if (!group || group.study !== study || group.dataset !== dataset || group.protocol !== protocol) {
          group = { study, dataset, metric: id, scoreSplit: '', pool: '', poolRelative: false, baseline: true, protocol, models: [], scores: [], performance: [] };
          groups.push(group);
        }
        group.models.push(row.model);
        group.scores.push(value);
        group.performance.push(row.performance);
      }
    }
    return groups;
  }

  async measures(): Promise<string[]> {
    const rows: { measure: string }[] = await this.dataSource.query('SELECT DISTINCT measure FROM evaluation ORDER BY measure');
    return rows.map((row) => row.measure);
  }

  private async assertMeasureExists(measure: string): Promise<void> {
    const [known] = await this.dataSource.query('SELECT 1 FROM evaluation WHERE measure = $1 LIMIT 1', [measure]);
    if (!known) {
      const measures = await this.measures();
      throw new CorrelationError(
        'UNKNOWN_PERFORMANCE_MEASURE',
        `no evaluation has the performance measure "${measure.slice(0, 64)}"; known measures: ${measures.join(', ') || '(none)'}`,
      );
    }
  }
}

/** Groups become units (rows) of `groupBy`; a unit keeps its groups (one (study, dataset) each) in arrival order. */
function groupIntoUnits(groups: PairGroup[], groupBy: CorrelationGrouping, method: CorrelationMethod, performance: string): Unit[] {
  const units = new Map<string, Unit>();
  for (const group of groups) {
    const study = groupBy === CorrelationGrouping.NONE ? '*' : group.study;
    const dataset = groupBy === CorrelationGrouping.DATASET ? group.dataset : '*';
    // NUL cannot occur in Postgres text, so it separates the parts of a key unambiguously.
    const key = study + '\0' + dataset + '\0' + group.metric + '\0' + group.scoreSplit + '\0' + group.pool + '\0' + group.protocol + '\0' + String(group.baseline);
    let unit = units.get(key);
    if (!unit) {
      const { metric, scoreSplit, pool, poolRelative, baseline, protocol } = group;
      unit = { row: { study, dataset, metric, method, performance, protocol, scoreSplit, pool, poolRelative, baseline }, byGroup: new Map() };
      units.set(key, unit);
    }
    unit.byGroup.set(group.study + '\0' + group.dataset, { scores: group.scores, performance: group.performance });
  }
  return [...units.values()];
}

function toSample(unit: Unit): RowSample {
  const n = [...unit.byGroup.values()].reduce((sum, g) => sum + g.scores.length, 0);
  const scores = new Float64Array(n);
  const performance = new Float64Array(n);
  const groups: string[] = [];
  const bounds: [number, number][] = [];
  let k = 0;
  for (const [label, group] of unit.byGroup) {
    const start = k;
    for (let i = 0; i < group.scores.length; i++, k++) {
      scores[k] = group.scores[i]!;
      performance[k] = group.performance[i]!;
      groups.push(label);
    }
    bounds.push([start, k]);
  }
  return { scores, performance, groups, bounds };
}

/** The cache key: the same question asked with arrays in another order is the same question. */
function normalise(query: CorrelationQuery): unknown {
  const sorted = (values: string[] | null | undefined) => (values ? [...values].sort() : null);
  return [
    sorted(query.studies), sorted(query.datasets), sorted(query.metrics), sorted(query.variants), query.datasetRole ?? null, sorted(query.models),
    query.protocol ?? null, query.method, query.performance, query.groupBy ?? CorrelationGrouping.DATASET, query.bootstrap ?? null, query.includeBaselines !== false,
  ];
}
