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
import { ascendingOrder, batchable, drawTable, tauBootstrap, tauBootstrapBatch, type DrawTable } from './fast-kendall';

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
  /** Read-only: rows share them (toSample), and groups of one evaluation layout share `performance`. */
  scores: Float64Array;
  performance: Float64Array;
  /** `ascendingOrder(performance)`, shared like `performance`; null when performances tie. */
  performanceOrder: Int32Array | null;
}

/** The performances of one (study, dataset, protocol), models in ascending order, with the pairings of score lists. */
interface Evaluations {
  protocol: string;
  models: string[];
  rank: Map<string, number>;
  performance: number[];
  /** Per joined model list of a score vector: the byte offsets of the paired scores, and their models and performances. */
  layouts: Map<string, { order: Int32Array; models: string[]; performance: Float64Array; performanceOrder: Int32Array | null }>;
}

interface Unit {
  row: Omit<Correlation, 'value' | 'pValue' | 'n' | 'groups' | 'ciLow' | 'ciHigh' | 'ciLevel' | 'seed' | 'rejectedResamples'>;
  /** The groups of a row spanning several (study, dataset) pairs by label; null for one group, `group`. */
  byGroup: Map<string, { scores: Float64Array; performance: Float64Array }> | null;
  /** The first group. */
  group: PairGroup;
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
    const groups = await this.pairGroups(query, false);
    if (groups.length === 0) await this.assertMeasureExists(query.performance);
    return groups.flatMap(({ study, dataset, metric, protocol, baseline, models, scores, performance }) =>
      models.map((model, i) => ({ study, dataset, metric, model, protocol, baseline, score: scores[i]!, performance: performance[i]! })),
    );
  }

  private async compute(query: CorrelationQuery, deadline: number): Promise<Correlation[]> {
    const groups = await this.pairGroups(query);
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
   * Scores paired with performances, and the baselines. The scores of each (study, dataset, metric, split, pool)
   * and the performances of each (study, dataset, measure, protocol) are read as one row each from the vectors
   * the database keeps by trigger (`score_vector`, `evaluation_vector`, migration CorrelationVectors1764320000000):
   * model ids joined by chr(31) and values as big-endian float64, so 1.2M scores arrive as 40,000 rows and no number
   * is parsed from text. Reading the score rows themselves cost ~0.4 s in Postgres and ~0.5 s here for all studies.
   * The two are paired by model here. The small tables (studies, datasets, metrics) are resolved to ids first, so
   * the vector reads filter on ids; the model filter (the pool) applies to the performances, which every pair needs.
   */
  private async pairGroups(query: Omit<CorrelationQuery, 'method'>, orient = true): Promise<PairGroup[]> {
    const dims = await this.dimensions(query);
    if (dims.studies.size === 0 || dims.datasets.size === 0) return [];
    const baselines = query.includeBaselines === false || query.variants ? [] : (Object.keys(BASELINES) as BaselineId[]).filter((id) => !query.metrics || query.metrics.includes(id));
    const filtered = <T>(ids: T[], narrowed: boolean): T[] | null => (narrowed ? ids : null);
    const studyIds = filtered([...dims.studies.keys()], Boolean(query.studies));
    const datasetIds = filtered([...dims.datasets.keys()], Boolean(query.datasets || query.datasetRole));
    const metricIds = filtered([...dims.metrics.keys()], Boolean(query.metrics || query.variants));
    const [scoreRows, evaluationRows, modelRows]: [
      { study: number; dataset: number; metric: string; split: string; pool: string; models: string | null; scores: Buffer }[],
      { study: number; dataset: number; protocol: string; models: string; performance: Buffer }[],
      { id: string; imagenetTop1: number | null; parameterCount: string | null }[],
    ] = await Promise.all([
      dims.metrics.size === 0
        ? []
        : this.dataSource.query(
            // A model list equal to the previous row's comes as null: a (study, dataset) nearly always has one list,
            // which then crosses the wire and is decoded once instead of once per metric.
            `SELECT study_id AS study, dataset_id AS dataset, metric_id AS metric, split, pool_id AS pool,
                    CASE WHEN models = lag(models) OVER w THEN NULL ELSE models END AS models, scores
             FROM score_vector
             WHERE ($1::int[] IS NULL OR study_id = ANY($1::int[]))
               AND ($2::int[] IS NULL OR dataset_id = ANY($2::int[]))
               AND ($3::text[] IS NULL OR metric_id = ANY($3::text[]))
             WINDOW w AS (ORDER BY study_id, dataset_id, metric_id, split, pool_id)`,
            [studyIds, datasetIds, metricIds],
          ),
      // Protocols in the database's collation within a (study, dataset): the baselines' order.
      this.dataSource.query(
        `SELECT study_id AS study, dataset_id AS dataset, protocol, models, performance
         FROM evaluation_vector
         WHERE measure = $1
           AND ($2::int[] IS NULL OR study_id = ANY($2::int[]))
           AND ($3::int[] IS NULL OR dataset_id = ANY($3::int[]))
           AND ($4::text IS NULL OR protocol = $4::text)
         ORDER BY study_id, dataset_id, protocol`,
        [query.performance, studyIds, datasetIds, query.protocol ?? null],
      ),
      // Models in the database's collation: the order of a baseline group's models.
      baselines.length === 0
        ? []
        : this.dataSource.query(`SELECT id, imagenet_top1 AS "imagenetTop1", parameter_count::text AS "parameterCount" FROM source_model ORDER BY id`),
    ]);

    // Performance per (study, dataset): one entry per protocol, models in ascending order with their rank.
    const pool = query.models ? new Set(query.models) : null;
    const evaluations = new Map<string, Evaluations[]>();
    const entries: { study: number; dataset: number; entry: Evaluations; arrival: number }[] = [];
    for (const row of evaluationRows) {
      const all = row.models.split('\u001f');
      const kept = pool ? all.flatMap((model, i) => (pool.has(model) ? [i] : [])) : all.map((_, i) => i);
      if (kept.length === 0) continue;
      const order = kept.sort((a, b) => (all[a]! < all[b]! ? -1 : all[a]! > all[b]! ? 1 : 0));
      const entry: Evaluations = {
        protocol: row.protocol,
        models: order.map((i) => all[i]!),
        rank: new Map(),
        performance: order.map((i) => row.performance.readDoubleBE(8 * i)),
        layouts: new Map(),
      };
      entry.models.forEach((model, r) => entry.rank.set(model, r));
      const key = row.study + ':' + row.dataset;
      const list = evaluations.get(key);
      if (list) list.push(entry);
      else evaluations.set(key, [entry]);
      entries.push({ study: row.study, dataset: row.dataset, entry, arrival: entries.length });
    }

    const groups: PairGroup[] = [];
    // Sorting by ranks, not names: study, dataset, metric, split, pool, protocol.
    const sortKeys: number[] = [];
    const rankOf = (names: Iterable<string>) => new Map([...new Set(names)].sort(cmp).map((name, r) => [name, r]));
    const studyRank = rankOf([...dims.studies.values()].map((s) => s.name));
    const datasetRank = rankOf([...dims.datasets.values()].map((d) => d.name));
    const metricRank = rankOf(dims.metrics.keys());
    const splitRank = rankOf(scoreRows.map((row) => row.split));
    const poolRank = rankOf(scoreRows.map((row) => row.pool));
    const protocolRank = rankOf(evaluationRows.map((row) => row.protocol));
    let models = '';
    let block = new Float64Array(0);
    let blockUsed = 0;
    for (const row of scoreRows) {
      if (row.models !== null) models = row.models;
      const protocols = evaluations.get(row.study + ':' + row.dataset);
      const study = dims.studies.get(row.study);
      const dataset = dims.datasets.get(row.dataset);
      const metric = dims.metrics.get(row.metric);
      if (!protocols || !study || !dataset || !metric) continue;
      // Orient every score so that higher means "predicted to transfer better".
      const sign = orient && metric.direction === 'lower' ? -1 : 1;
      for (const evaluation of protocols) {
        // The groups of one (study, dataset) nearly always list the same models in the same order: the pairing
        // (which score position goes with which evaluated model, in model order) is worked out once per list.
        let layout = evaluation.layouts.get(models);
        if (!layout) {
          const list = models.split('\u001f');
          const byRank = new Int32Array(evaluation.models.length).fill(-1);
          list.forEach((model, i) => {
            const r = evaluation.rank.get(model);
            if (r !== undefined) byRank[r] = i;
          });
          const ranks = [...byRank.keys()].filter((r) => byRank[r]! >= 0);
          const performance = Float64Array.from(ranks, (r) => evaluation.performance[r]!);
          layout = { order: Int32Array.from(ranks, (r) => byRank[r]! * 8), models: ranks.map((r) => evaluation.models[r]!), performance, performanceOrder: ascendingOrder(performance) };
          evaluation.layouts.set(models, layout);
        }
        if (layout.order.length === 0) continue;
        // Views into shared blocks: one ArrayBuffer per 64K scores rather than one per group (GC).
        const n = layout.order.length;
        if (blockUsed + n > block.length) {
          block = new Float64Array(Math.max(65_536, n));
          blockUsed = 0;
        }
        const scores = block.subarray(blockUsed, blockUsed + n);
        blockUsed += n;
        for (let k = 0; k < n; k++) scores[k] = sign * row.scores.readDoubleBE(layout.order[k]!);
        // models and performance are shared by the groups of a layout: read-only from here on.
        sortKeys.push(studyRank.get(study.name)!, datasetRank.get(dataset.name)!, metricRank.get(row.metric)!, splitRank.get(row.split)!, poolRank.get(row.pool)!, protocolRank.get(evaluation.protocol)!);
        groups.push({
          study: study.name,
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
          performanceOrder: layout.performanceOrder,
        });
      }
    }
    const order = groups.map((_, i) => i).sort((a, b) => {
      for (let k = 0, x = 6 * a, y = 6 * b; k < 6; k++, x++, y++) if (sortKeys[x] !== sortKeys[y]) return sortKeys[x]! - sortKeys[y]!;
      return 0;
    });
    const sorted = order.map((i) => groups[i]!);
    if (baselines.length === 0) return sorted;

    // Baselines: one group per (baseline, study, dataset, protocol) in the database's collation of study and dataset
    // names and protocols, models in its collation of ids, except where a study recorded the same baseline as a
    // score (compute scores the registry's `imagenet_top1` / `parameter_count` static baselines).
    const modelRank = new Map(modelRows.map((model, r) => [model.id, r]));
    const properties = new Map(modelRows.map((model) => [model.id, model]));
    entries.sort((a, b) => dims.studies.get(a.study)!.rank - dims.studies.get(b.study)!.rank || dims.datasets.get(a.dataset)!.rank - dims.datasets.get(b.dataset)!.rank || a.arrival - b.arrival);
    const scored = new Set(sorted.filter((g) => g.metric in BASELINES).map((g) => g.study + '\u001f' + g.dataset + '\u001f' + g.metric + '\u001f' + g.protocol));
    const baselineGroups: PairGroup[] = [];
    for (const id of baselines) {
      for (const { study: studyId, dataset: datasetId, entry } of entries) {
        const study = dims.studies.get(studyId)!.name;
        const dataset = dims.datasets.get(datasetId)!.name;
        if (scored.has(study + '\u001f' + dataset + '\u001f' + id + '\u001f' + entry.protocol)) continue;
        const byModel = entry.models.map((_, i) => i).sort((a, b) => modelRank.get(entry.models[a]!)! - modelRank.get(entry.models[b]!)!);
        const models: string[] = [];
        const scores: number[] = [];
        const performance: number[] = [];
        for (const i of byModel) {
          const model = properties.get(entry.models[i]!)!;
          const value = id === 'imagenet_top1' ? model.imagenetTop1 : model.parameterCount === null ? null : Number(model.parameterCount);
          if (value === null) continue;
          models.push(model.id);
          scores.push(value);
          performance.push(entry.performance[i]!);
        }
        if (models.length > 0) {
          baselineGroups.push({
            study, dataset, metric: id, scoreSplit: '', pool: '', poolRelative: false, baseline: true, protocol: entry.protocol,
            models, scores: Float64Array.from(scores), performance: Float64Array.from(performance), performanceOrder: null,
          });
        }
      }
    }
    return [...sorted, ...baselineGroups];
  }

  /**
   * Studies, datasets and metrics the filter selects (one round trip); studies and datasets with their rank in the
   * database's collation of names.
   */
  private async dimensions(query: Omit<CorrelationQuery, 'method'>): Promise<{
    studies: Map<number, { name: string; rank: number }>;
    datasets: Map<number, { name: string; rank: number }>;
    metrics: Map<string, { direction: string; poolRelative: boolean }>;
  }> {
    const [row]: { studies: [number, string][]; datasets: [number, string][]; metrics: [string, string, boolean][] }[] = await this.dataSource.query(
      `SELECT
         (SELECT coalesce(json_agg(json_build_array(id, name) ORDER BY name), '[]') FROM study WHERE $1::text[] IS NULL OR name = ANY($1::text[])) AS studies,
         (SELECT coalesce(json_agg(json_build_array(id, name) ORDER BY name), '[]') FROM dataset
            WHERE ($2::text[] IS NULL OR name = ANY($2::text[])) AND ($3::text IS NULL OR role = $3::text)) AS datasets,
         (SELECT coalesce(json_agg(json_build_array(id, direction, pool_relative)), '[]') FROM metric
            WHERE ($4::text[] IS NULL OR id = ANY($4::text[])) AND ($5::text[] IS NULL OR variant = ANY($5::text[]))) AS metrics`,
      [query.studies ?? null, query.datasets ?? null, query.datasetRole ?? null, query.metrics ?? null, query.variants ?? null],
    );
    return {
      studies: new Map(row!.studies.map(([id, name], rank) => [id, { name, rank }])),
      datasets: new Map(row!.datasets.map(([id, name], rank) => [id, { name, rank }])),
      metrics: new Map(row!.metrics.map(([id, direction, poolRelative]) => [id, { direction, poolRelative }])),
    };
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

/** Code-unit order of strings (JavaScript's own). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Groups become units (rows) of `groupBy`; a unit keeps its groups (one (study, dataset) each) in arrival order. */
function groupIntoUnits(groups: PairGroup[], groupBy: CorrelationGrouping, method: CorrelationMethod, performance: string): Unit[] {
  if (groupBy === CorrelationGrouping.DATASET) {
    // A group is already one (study, dataset, metric, split, pool, protocol, baseline): one unit each, in order.
    return groups.map((group) => {
      const { study, dataset, metric, scoreSplit, pool, poolRelative, baseline, protocol } = group;
      return { row: { study, dataset, metric, method, performance, protocol, scoreSplit, pool, poolRelative, baseline }, byGroup: null, group };
    });
  }
  const units = new Map<string, Unit>();
  for (const group of groups) {
    const study = groupBy === CorrelationGrouping.NONE ? '*' : group.study;
    const dataset = '*';
    // NUL cannot occur in Postgres text, so it separates the parts of a key unambiguously.
    const key = study + '\0' + dataset + '\0' + group.metric + '\0' + group.scoreSplit + '\0' + group.pool + '\0' + group.protocol + '\0' + String(group.baseline);
    let unit = units.get(key);
    if (!unit) {
      const { metric, scoreSplit, pool, poolRelative, baseline, protocol } = group;
      unit = { row: { study, dataset, metric, method, performance, protocol, scoreSplit, pool, poolRelative, baseline }, byGroup: new Map(), group };
      units.set(key, unit);
    }
    unit.byGroup!.set(group.study + '\0' + group.dataset, { scores: group.scores, performance: group.performance });
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
  if (!unit.byGroup || unit.byGroup.size === 1) {
    // The usual row (groupBy DATASET): one group, its arrays as they are (no statistic writes to its input). Within
    // one group only the labels' equality counts (grouped tau, bootstrap strata), so every such row of n models
    // shares one read-only array of equal labels.
    const { scores, performance, performanceOrder } = unit.group;
    const n = scores.length;
    return { scores, performance, groups: oneGroupLabels(n), bounds: [[0, n]], performanceOrder };
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
