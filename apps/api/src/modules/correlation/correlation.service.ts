import { bootstrap } from '@transferscope/stats';
import { randomInt } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type DataSource } from 'typeorm';
import { readChangeVersion, ResultCache } from '../../server/result-cache';
import { CorrelationMethod } from './correlation-method.enum';
import { CorrelationGrouping, type BootstrapIntervalKind, type DatasetRoleFilter, type TransferProtocolFilter } from './correlation-options.enum';
import { rowStatistic, type RowSample } from './correlation-statistic';
import { type Correlation, type CorrelationPair } from './correlation.type';
import { CorrelationError } from './correlation.error';
import { batchable, drawTable, tauBootstrap, tauBootstrapBatch, type DrawTable } from './fast-kendall';

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
    const groups = this.withBaselines(await this.scoreGroups(query, false), await this.baselineGroups(query));
    if (groups.length === 0) await this.assertMeasureExists(query.performance);
    return groups.flatMap(({ study, dataset, metric, protocol, baseline, models, scores, performance }) =>
      models.map((model, i) => ({ study, dataset, metric, model, protocol, baseline, score: scores[i]!, performance: performance[i]! })),
    );
  }

  private async compute(query: CorrelationQuery, deadline: number): Promise<Correlation[]> {
    const groups = this.withBaselines(await this.scoreGroups(query), await this.baselineGroups(query));
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

    const rows: { row: Correlation; sample: RowSample }[] = units.map((unit) => {
      const sample = toSample(unit);
      const { value, pValue } = rowStatistic(query.method, sample);
      const { study, dataset, metric, method, performance, protocol, scoreSplit, pool, poolRelative, baseline } = unit.row;
      // One literal with every field (no spread): all rows share one object shape, which keeps building them and
      // the GraphQL execution over them fast (a spread row cost ~20 us on 44,000-row answers).
      const row: Correlation = {
        study,
        dataset,
        metric,
        method,
        performance,
        protocol,
        scoreSplit,
        pool,
        poolRelative,
        baseline,
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
      return { row, sample };
    });
    if (!spec || seed === null) return rows.map(({ row }) => row);

    const setInterval = (row: Correlation, interval: { low: number; high: number; rejected: number }) =>
      Object.assign(row, {
        ciLow: Number.isNaN(interval.low) ? null : interval.low,
        ciHigh: Number.isNaN(interval.high) ? null : interval.high,
        ciLevel: spec.level,
        seed,
        rejectedResamples: interval.rejected,
      });
    // Resampling is CPU work on the event loop: let other requests in now and then, and respect the deadline.
    let lastYield = Date.now();
    const breathe = async () => {
      if (Date.now() - lastYield > 20) {
        if (Date.now() > deadline) throw new CorrelationError('REQUEST_TIMEOUT', 'the request ran past its time limit while bootstrapping; ask for fewer resamples or rows');
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    };
    let pending = rows.filter(({ row }) => row.value !== null);
    if (query.method === CorrelationMethod.KENDALL_TAU_B) {
      // The same seed draws the same resamples for every row with the same group sizes, so the draws are made once
      // per layout, and rows of one group without ties are bootstrapped together as a matrix product
      // (fast-kendall.ts): the library's intervals to the last bit at a fraction of the cost.
      const tables = new Map<string, DrawTable>();
      const tableFor = (sizes: number[]) => {
        const layout = sizes.join(',');
        let table = tables.get(layout);
        if (!table) tables.set(layout, (table = drawTable(seed, spec.resamples, sizes)));
        return table;
      };
      const batches = new Map<number, { row: Correlation; sample: RowSample }[]>();
      const single: { row: Correlation; sample: RowSample }[] = [];
      for (const item of pending) {
        if (batchable(item.sample)) {
          const size = item.sample.scores.length;
          const batch = batches.get(size);
          if (batch) batch.push(item);
          else batches.set(size, [item]);
        } else single.push(item);
      }
      for (const [size, batch] of batches) {
        for (let i = 0; i < batch.length; i += 64) {
          const chunk = batch.slice(i, i + 64);
          tauBootstrapBatch(
            chunk.map(({ sample }) => sample),
            tableFor([size]),
            spec.level,
            spec.interval,
          ).forEach((interval, k) => setInterval(chunk[k]!.row, interval));
          await breathe();
        }
      }
      for (const { row, sample } of single) {
        const interval = tauBootstrap(sample, tableFor(sample.bounds.map(([start, end]) => end - start)), spec.level, spec.interval);
        if (interval) setInterval(row, interval);
        await breathe();
      }
      pending = pending.filter(({ row }) => row.seed === null);
    }
    for (const { row, sample } of pending) {
      const interval = bootstrap({ x: sample.scores, y: sample.performance }, (x, y) => rowStatistic(query.method, { ...sample, scores: x, performance: y }, true).value ?? NaN, {
        resamples: spec.resamples,
        seed,
        alpha: 1 - spec.level,
        interval: spec.interval,
        groups: sample.groups,
      });
      setInterval(row, interval);
      await breathe();
    }
    return rows.map(({ row }) => row);
  }

  /**
   * Scores paired with performances. Postgres groups the scores of each (study, dataset, metric, split, pool) into
   * one row of joined values, read by an index-only scan that is already in group order (ix_score_vectors), and the
   * evaluations of each (study, dataset, protocol) likewise; the two are paired by model here. Joining them in
   * Postgres instead cost a nested loop or a sort of every score (EXPLAIN ANALYZE, 1.2M scores: 178 ms for one study,
   * 5 s for all, against 12 ms and 1.3 s for the score read alone). The small tables (studies, datasets, metrics)
   * are resolved to ids first, so the big reads filter on ids and are planned with true row counts.
   */
  private async scoreGroups(query: Omit<CorrelationQuery, 'method'>, orient = true): Promise<PairGroup[]> {
    const dims = await this.dimensions(query);
    if (!dims) return [];
    const filtered = <T>(ids: T[], narrowed: boolean): T[] | null => (narrowed ? ids : null);
    const studyIds = filtered([...dims.studies.keys()], Boolean(query.studies));
    const datasetIds = filtered([...dims.datasets.keys()], Boolean(query.datasets || query.datasetRole));
    const metricIds = filtered([...dims.metrics.keys()], Boolean(query.metrics || query.variants));
    // Joined text, split here: Postgres prints float8 as the shortest exact decimal, and splitting is far cheaper
    // than the driver's generic array parser. Within a group every aggregate sees the rows in the same order, so
    // models[i] and scores[i] belong together; the order across groups is fixed below.
    const [scoreRows, evaluationRows]: [
      { study: number; dataset: number; metric: string; split: string; pool: string; models: string; scores: string }[],
      { study: number; dataset: number; protocol: string; models: string; performance: string }[],
    ] = await Promise.all([
      this.dataSource.query(
        `SELECT study_id AS study, dataset_id AS dataset, metric_id AS metric, split, pool_id AS pool,
                string_agg(model_id, chr(31)) AS models, string_agg(value::text, ',') AS scores
         FROM score
         WHERE status = 'ok' AND value IS NOT NULL
           AND ($1::int[] IS NULL OR study_id = ANY($1::int[]))
           AND ($2::int[] IS NULL OR dataset_id = ANY($2::int[]))
           AND ($3::text[] IS NULL OR metric_id = ANY($3::text[]))
           AND ($4::text[] IS NULL OR model_id = ANY($4::text[]))
         GROUP BY study_id, dataset_id, metric_id, split, pool_id`,
        [studyIds, datasetIds, metricIds, query.models ?? null],
      ),
      this.dataSource.query(
        `SELECT study_id AS study, dataset_id AS dataset, protocol, string_agg(model_id, chr(31)) AS models, string_agg(value::text, ',') AS performance
         FROM evaluation
         WHERE measure = $1
           AND ($2::int[] IS NULL OR study_id = ANY($2::int[]))
           AND ($3::int[] IS NULL OR dataset_id = ANY($3::int[]))
           AND ($4::text[] IS NULL OR model_id = ANY($4::text[]))
           AND ($5::text IS NULL OR protocol = $5::text)
         GROUP BY study_id, dataset_id, protocol`,
        [query.performance, studyIds, datasetIds, query.models ?? null, query.protocol ?? null],
      ),
    ]);

    // Performance per (study, dataset): one entry per protocol, models in ascending order with their rank.
    const evaluations = new Map<
      string,
      { protocol: string; models: string[]; rank: Map<string, number>; performance: number[]; layouts: Map<string, { order: Int32Array; models: string[]; performance: number[] }> }[]
    >();
    for (const row of evaluationRows) {
      const models = row.models.split('\u001f');
      const values = row.performance.split(',');
      const order = models.map((_, i) => i).sort((a, b) => (models[a]! < models[b]! ? -1 : models[a]! > models[b]! ? 1 : 0));
      const entry = { protocol: row.protocol, models: order.map((i) => models[i]!), rank: new Map<string, number>(), performance: order.map((i) => Number(values[i])), layouts: new Map() };
      entry.models.forEach((model, r) => entry.rank.set(model, r));
      const key = row.study + ':' + row.dataset;
      const list = evaluations.get(key);
      if (list) list.push(entry);
      else evaluations.set(key, [entry]);
    }

    const groups: PairGroup[] = [];
    for (const row of scoreRows) {
      const protocols = evaluations.get(row.study + ':' + row.dataset);
      const study = dims.studies.get(row.study);
      const dataset = dims.datasets.get(row.dataset);
      const metric = dims.metrics.get(row.metric);
      if (!protocols || study === undefined || !dataset || !metric) continue;
      // Orient every score so that higher means "predicted to transfer better".
      const sign = orient && metric.direction === 'lower' ? -1 : 1;
      const values = row.scores.split(',');
      for (const evaluation of protocols) {
        // The groups of one (study, dataset) nearly always list the same models in the same order: the pairing
        // (which score position goes with which evaluated model, in model order) is worked out once per list.
        let layout = evaluation.layouts.get(row.models);
        if (!layout) {
          const models = row.models.split('\u001f');
          const byRank = new Int32Array(evaluation.models.length).fill(-1);
          models.forEach((model, i) => {
            const r = evaluation.rank.get(model);
            if (r !== undefined) byRank[r] = i;
          });
          const ranks = [...byRank.keys()].filter((r) => byRank[r]! >= 0);
          layout = { order: Int32Array.from(ranks, (r) => byRank[r]!), models: ranks.map((r) => evaluation.models[r]!), performance: ranks.map((r) => evaluation.performance[r]!) };
          evaluation.layouts.set(row.models, layout);
        }
        if (layout.order.length === 0) continue;
        const scores = new Array<number>(layout.order.length);
        for (let k = 0; k < scores.length; k++) scores[k] = sign * Number(values[layout.order[k]!]);
        // models and performance are shared by the groups of a layout: read-only from here on.
        const group: PairGroup = {
          study,
          dataset: dataset.name,
          metric: row.metric,
          scoreSplit: row.split,
          pool: row.pool,
          poolRelative: metric.poolRelative,
          baseline: false,
          protocol: evaluation.protocol,
          models: layout.models,
          scores,
          performance: layout.performance,
        };
        groups.push(group);
      }
    }
    // The order the single SQL statement gave: study, dataset, metric, split, pool, protocol.
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return groups.sort(
      (a, b) => cmp(a.study, b.study) || cmp(a.dataset, b.dataset) || cmp(a.metric, b.metric) || cmp(a.scoreSplit, b.scoreSplit) || cmp(a.pool, b.pool) || cmp(a.protocol, b.protocol),
    );
  }

  /** Studies, datasets and metrics the filter selects (one round trip), or null when one of them is empty. */
  private async dimensions(query: Omit<CorrelationQuery, 'method'>): Promise<{
    studies: Map<number, string>;
    datasets: Map<number, { name: string }>;
    metrics: Map<string, { direction: string; poolRelative: boolean }>;
  } | null> {
    const [row]: { studies: [number, string][]; datasets: [number, string][]; metrics: [string, string, boolean][] }[] = await this.dataSource.query(
      `SELECT
         (SELECT coalesce(json_agg(json_build_array(id, name)), '[]') FROM study WHERE $1::text[] IS NULL OR name = ANY($1::text[])) AS studies,
         (SELECT coalesce(json_agg(json_build_array(id, name)), '[]') FROM dataset
            WHERE ($2::text[] IS NULL OR name = ANY($2::text[])) AND ($3::text IS NULL OR role = $3::text)) AS datasets,
         (SELECT coalesce(json_agg(json_build_array(id, direction, pool_relative)), '[]') FROM metric
            WHERE ($4::text[] IS NULL OR id = ANY($4::text[])) AND ($5::text[] IS NULL OR variant = ANY($5::text[]))) AS metrics`,
      [query.studies ?? null, query.datasets ?? null, query.datasetRole ?? null, query.metrics ?? null, query.variants ?? null],
    );
    if (!row || row.studies.length === 0 || row.datasets.length === 0 || row.metrics.length === 0) return null;
    return {
      studies: new Map(row.studies),
      datasets: new Map(row.datasets.map(([id, name]) => [id, { name }])),
      metrics: new Map(row.metrics.map(([id, direction, poolRelative]) => [id, { direction, poolRelative }])),
    };
  }

  /**
   * Score groups plus the baselines from model metadata, except where a study recorded the same baseline as a score
   * (compute scores the registry's `imagenet_top1` / `parameter_count` static baselines): one group per metric.
   */
  private withBaselines(scores: PairGroup[], baselines: PairGroup[]): PairGroup[] {
    const key = (g: PairGroup) => `${g.study}\u001f${g.dataset}\u001f${g.metric}\u001f${g.protocol}`;
    const scored = new Set(scores.map(key));
    return [...scores, ...baselines.filter((g) => !scored.has(key(g)))];
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

const sharedLabels = new Map<number, string[]>();

/** n equal labels, one frozen array per n. */
function oneGroupLabels(n: number): string[] {
  let labels = sharedLabels.get(n);
  if (!labels) sharedLabels.set(n, (labels = Object.freeze(new Array<string>(n).fill('')) as string[]));
  return labels;
}

function toSample(unit: Unit): RowSample {
  if (unit.byGroup.size === 1) {
    // The usual row (groupBy DATASET): one group, copied whole. Within one group only the labels' equality counts
    // (grouped tau, bootstrap strata), so every such row of n models shares one read-only array of equal labels.
    const [[, group]] = unit.byGroup;
    const n = group!.scores.length;
    return { scores: new Float64Array(group!.scores), performance: new Float64Array(group!.performance), groups: oneGroupLabels(n), bounds: [[0, n]] };
  }
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
