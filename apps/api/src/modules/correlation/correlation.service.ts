import { bootstrap } from '@transferscope/stats';
import { randomInt } from 'node:crypto';
import { endianness } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type DataSource } from 'typeorm';
import { readChangeVersion, ResultCache } from '../../server/result-cache';
import { CorrelationMethod } from './correlation-method.enum';
import { CorrelationGrouping, type BootstrapIntervalKind, type DatasetRoleFilter, type TransferProtocolFilter } from './correlation-options.enum';
import { gatheredKendallTauB, preparedKendallTauB, rowStatistic, type RowSample, type StatisticValue } from './correlation-statistic';
import { type Correlation, type CorrelationPair } from './correlation.type';
import { CorrelationError } from './correlation.error';
import { ascendingOrder, batchable, drawTable, prepareScores, tauBootstrap, tauBootstrapBatch, type DrawTable, type PreparedScores } from './fast-kendall';

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
  /** Read-only: rows share them (toSample), groups of one evaluation layout share `performance`, baselines of one model list `models` and `scores`. */
  scores: Float64Array;
  performance: Float64Array;
  /** `ascendingOrder(performance)`, shared like `performance`; null when performances tie. */
  performanceOrder: Int32Array | null;
}

/** The pairing of a score vector's models (one joined list) with one protocol's performances. */
interface Layout {
  /** For each paired model, in model order: the position of its score in the vector (read-only: shared by the layouts of one pair of model lists). */
  order: Int32Array;
  models: string[];
  performance: Float64Array;
  /** `ascendingOrder(performance)`; null when performances tie. */
  performanceOrder: Int32Array | null;
  /** `order[performanceOrder[k]]`: the vector positions of the scores in ascending order of performance. */
  gather: Int32Array | null;
}

/**
 * A performance vector's model list as the database gave it, shared by the vectors that list the same models in the
 * same order (nearly all of them): its models in ascending order (after the pool filter), their ranks, and the
 * pairing of that order with each score vector's model list.
 */
interface ModelList {
  /** Indexes into the vector, in ascending order of model. */
  kept: number[];
  models: string[];
  rank: Map<string, number>;
  /** Per joined model list of a score vector: ranks (into `models`) in common, and their positions in that list. */
  pairings: Map<string, { ranks: Int32Array; order: Int32Array; models: string[] }>;
}

/** The performances of one (study, dataset, protocol), models in ascending order, with the pairings of score lists. */
/** Answer rows and, where a bootstrap needs them (always for pooled rows), their samples: `samples[i]` is row i's. */
interface RowsWithSamples {
  rows: Correlation[];
  samples: RowSample[];
}

interface Evaluations {
  protocol: string;
  list: ModelList;
  models: string[];
  rank: Map<string, number>;
  performance: number[];
  /** Per joined model list of a score vector. */
  layouts: Map<string, Layout>;
}

/** The (metric, split, pool) keys of a (study, dataset)'s vectors in arrival order, and that order sorted by name. */
interface KeyList {
  keys: { metric: string; split: string; pool: string; info: { direction: string; poolRelative: boolean } | null }[];
  sorted: Int32Array;
}

/** The score vectors of one (study, dataset). */
interface VectorBlock {
  study: string;
  dataset: string;
  /** Position of (study, dataset) in name order. */
  rank: number;
  keys: KeyList['keys'];
  sorted: Int32Array;
  /** Its protocols' performances, by protocol name. */
  protocols: Evaluations[];
  /** layouts[j * protocols.length + p]: vector j (arrival order) with protocol p; null when no model is in both. */
  layouts: (Layout | null)[];
  /** Every vector's values, one after another, in host byte order; vector j from starts[j]. */
  values: Float64Array;
  starts: Int32Array;
}

interface VectorRead {
  /** In (study, dataset) name order. */
  blocks: VectorBlock[];
  baselines: PairGroup[];
}

/**
 * One (study, dataset, metric, split, pool, protocol) as {@link visitGroups} passes it: model i (of `layout.models`)
 * has the score `sign * values[base + layout.order[i]]`. One object, reused from group to group.
 */
class GroupCursor {
  study = '';
  dataset = '';
  metric = '';
  scoreSplit = '';
  pool = '';
  poolRelative = false;
  protocol = '';
  readonly baseline = false;
  layout!: Layout;
  values!: Float64Array;
  base = 0;
  sign = 1;

  /** The scores in model order, written into `into` (of the layout's length). */
  scores(into: Float64Array): Float64Array {
    const { order } = this.layout;
    for (let k = 0; k < order.length; k++) into[k] = this.sign * this.values[this.base + order[k]!]!;
    return into;
  }

  /** This group on its own, its scores in `into`. */
  group(into: Float64Array): PairGroup {
    const { study, dataset, metric, scoreSplit, pool, poolRelative, protocol, layout } = this;
    return { study, dataset, metric, scoreSplit, pool, poolRelative, baseline: this.baseline, protocol, models: layout.models, scores: this.scores(into), performance: layout.performance, performanceOrder: layout.performanceOrder };
  }
}

interface Unit {
  row: Pick<Correlation, 'study' | 'dataset' | 'metric' | 'protocol' | 'scoreSplit' | 'pool' | 'poolRelative' | 'baseline'>;
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
    const groupBy = query.groupBy ?? CorrelationGrouping.DATASET;
    const spec = query.bootstrap;
    const { rows, samples } = groupBy === CorrelationGrouping.DATASET ? await this.datasetRows(query) : await this.pooledRows(query, groupBy);
    if (rows.length === 0) await this.assertMeasureExists(query.performance);
    if (spec && spec.resamples * rows.length > this.limits.maxBootstrapWork) {
      throw new CorrelationError(
        'BOOTSTRAP_TOO_LARGE',
        `bootstrap of ${spec.resamples} resamples over ${rows.length} rows exceeds the limit of ${this.limits.maxBootstrapWork} resamples x rows per request; ` +
          'narrow the filter or ask for fewer resamples',
      );
    }
    const seed = spec ? (spec.seed ?? randomInt(2 ** 31 - 1)) : null;
    if (!spec || seed === null) return rows;

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
    // With a bootstrap every row has its sample.
    let pending = rows.flatMap((row, i) => (row.value === null ? [] : [{ row, sample: samples[i]! }]));
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
    return rows;
  }

  /**
   * The rows of `groupBy: DATASET`, one per group, computed as the vectors are visited: a tau-b row is counted
   * straight from the vector (fastKendallTauBGathered), other rows get their scores in a scratch array, and only
   * with a bootstrap does a row keep its sample. Baselines after the scores, as in {@link pairGroups}.
   */
  private async datasetRows(query: CorrelationQuery): Promise<RowsWithSamples> {
    const read = await this.readVectors(query);
    const { method, performance } = query;
    const keep = Boolean(query.bootstrap);
    // Rows and samples in two arrays: no wrapper object per row (44,000 of them for all studies), no samples at all
    // without a bootstrap.
    const rows: Correlation[] = [];
    const samples: RowSample[] = [];
    let scratch = new Float64Array(64);
    let block = new Float64Array(0);
    let blockUsed = 0;
    const add = (group: Omit<PairGroup, 'models' | 'scores' | 'performance' | 'performanceOrder'>, statistic: StatisticValue, n: number, sample: RowSample | null) => {
      const { study, dataset, metric, protocol, scoreSplit, pool, poolRelative, baseline } = group;
      rows.push(correlationRow(study, dataset, metric, method, performance, protocol, scoreSplit, pool, poolRelative, baseline, statistic, n, 1));
      if (sample) samples.push(sample);
    };
    visitGroups(read, true, (cursor) => {
      const { layout } = cursor;
      const n = layout.order.length;
      const counted = method === CorrelationMethod.KENDALL_TAU_B && !keep && layout.gather ? gatheredKendallTauB(cursor.values, cursor.base, layout.gather, cursor.sign) : null;
      if (counted) {
        add(cursor, counted, n, null);
        return;
      }
      let scores: Float64Array;
      if (keep) {
        // Kept for the bootstrap: views into shared blocks, one ArrayBuffer per 64K scores (GC).
        if (blockUsed + n > block.length) {
          block = new Float64Array(Math.max(65_536, n));
          blockUsed = 0;
        }
        scores = block.subarray(blockUsed, blockUsed + n);
        blockUsed += n;
      } else {
        if (scratch.length < n) scratch = new Float64Array(n);
        scores = scratch.subarray(0, n);
      }
      const sample: RowSample = { scores: cursor.scores(scores), performance: layout.performance, groups: oneGroupLabels(n), bounds: [[0, n]], performanceOrder: layout.performanceOrder };
      add(cursor, rowStatistic(method, sample), n, keep ? sample : null);
    });
    // A baseline's scores are one array per model list (see readVectors): their pair signs and ties are counted once.
    const prepared = new Map<Float64Array, PreparedScores | null>();
    for (const group of read.baselines) {
      if (method === CorrelationMethod.KENDALL_TAU_B && !keep) {
        let scores = prepared.get(group.scores);
        if (scores === undefined) prepared.set(group.scores, (scores = prepareScores(group.scores)));
        const counted = scores && preparedKendallTauB(scores, group.performance);
        if (counted) {
          add(group, counted, group.scores.length, null);
          continue;
        }
      }
      const sample = toSample({ byGroup: null, group });
      add(group, rowStatistic(method, sample), sample.scores.length, keep ? sample : null);
    }
    return { rows, samples };
  }

  /** The rows of `groupBy: STUDY | NONE`: the groups of each (metric, split, pool, protocol) pooled. */
  private async pooledRows(query: CorrelationQuery, groupBy: CorrelationGrouping): Promise<RowsWithSamples> {
    const units = groupIntoUnits(await this.pairGroups(query), groupBy);
    const samples = units.map(toSample);
    const rows = units.map((unit, i) => {
      const sample = samples[i]!;
      const { study, dataset, metric, scoreSplit, pool, poolRelative, baseline, protocol } = unit.row;
      return correlationRow(study, dataset, metric, query.method, query.performance, protocol, scoreSplit, pool, poolRelative, baseline, rowStatistic(query.method, sample), sample.scores.length, sample.bounds.length);
    });
    return { rows, samples };
  }

  /**
   * Scores paired with performances, and the baselines, as groups (see {@link readVectors}): what `pairs` and the rows
   * spanning several (study, dataset) pairs need. Rows of one (study, dataset) each are computed straight from the
   * vectors instead (see `compute`).
   */
  private async pairGroups(query: Omit<CorrelationQuery, 'method'>, orient = true): Promise<PairGroup[]> {
    const read = await this.readVectors(query);
    const groups: PairGroup[] = [];
    let block = new Float64Array(0);
    let blockUsed = 0;
    visitGroups(read, orient, (cursor) => {
      // Views into shared blocks: one ArrayBuffer per 64K scores rather than one per group (GC).
      const n = cursor.layout.order.length;
      if (blockUsed + n > block.length) {
        block = new Float64Array(Math.max(65_536, n));
        blockUsed = 0;
      }
      const scores = block.subarray(blockUsed, blockUsed + n);
      blockUsed += n;
      groups.push(cursor.group(scores));
    });
    return groups.concat(read.baselines);
  }

  /**
   * The score vectors of the query's groups, read one row per (study, dataset), and the baselines. Triggers keep one
   * vector per (study, dataset, metric, split, pool) of scores and per (study, dataset, measure, protocol) of
   * performances (`score_vector`, `evaluation_vector`, migration CorrelationVectors1764320000000): model ids joined
   * by chr(31), values as big-endian float64. Postgres concatenates the vectors of a (study, dataset) into one row (its
   * (metric, split, pool) keys as one text, its model list once when every vector has the same one, the values as
   * one bytea), so all studies are 2,000 rows of host-order float64 (one byte swap each) rather than 40,000 rows with
   * a value read per score: the per-row objects of the driver and of the pairing were a third of the request's CPU.
   * Scores are paired with performances by model here, once per distinct model list and protocol. The small
   * tables (studies, datasets, metrics) are resolved to ids first, so the vector reads filter on ids; the model filter
   * (the pool) applies to the performances, which every pair needs.
   */
  private async readVectors(query: Omit<CorrelationQuery, 'method'>): Promise<VectorRead> {
    const dims = await this.dimensions(query);
    if (dims.studies.size === 0 || dims.datasets.size === 0) return { blocks: [], baselines: [] };
    const baselines = query.includeBaselines === false || query.variants ? [] : (Object.keys(BASELINES) as BaselineId[]).filter((id) => !query.metrics || query.metrics.includes(id));
    const filtered = <T>(ids: T[], narrowed: boolean): T[] | null => (narrowed ? ids : null);
    const studyIds = filtered([...dims.studies.keys()], Boolean(query.studies));
    const datasetIds = filtered([...dims.datasets.keys()], Boolean(query.datasets || query.datasetRole));
    const metricIds = filtered([...dims.metrics.keys()], Boolean(query.metrics || query.variants));
    const [scoreRows, evaluationRows, modelRows]: [
      { study: number; dataset: number; keys: string; models: string; lists: string | null; scores: Buffer }[],
      { study: number; dataset: number; protocol: string; models: string; performance: Buffer }[],
      { id: string; imagenetTop1: number | null; parameterCount: string | null }[],
    ] = await Promise.all([
      dims.metrics.size === 0
        ? []
        : this.dataSource.query(
            // Keys, model lists and values in one order (any order: groups are sorted here). `lists` only when the
            // vectors of a (study, dataset) do not all list the same models (min and max compared bytewise).
            `SELECT study_id AS study, dataset_id AS dataset,
                    string_agg(metric_id || chr(31) || split || chr(31) || pool_id, chr(30) ORDER BY metric_id, split, pool_id) AS keys,
                    min(models COLLATE "C") AS models,
                    CASE WHEN min(models COLLATE "C") = max(models COLLATE "C") THEN NULL
                         ELSE string_agg(models, chr(30) ORDER BY metric_id, split, pool_id) END AS lists,
                    string_agg(scores, ''::bytea ORDER BY metric_id, split, pool_id) AS scores
             FROM score_vector
             WHERE ($1::int[] IS NULL OR study_id = ANY($1::int[]))
               AND ($2::int[] IS NULL OR dataset_id = ANY($2::int[]))
               AND ($3::text[] IS NULL OR metric_id = ANY($3::text[]))
             GROUP BY study_id, dataset_id`,
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
    // Parsed once per model list text (the same for nearly every vector).
    const lists = new Map<string, ModelList>();
    for (const row of evaluationRows) {
      let list = lists.get(row.models);
      if (!list) {
        const all = row.models.split('\u001f');
        const kept = pool ? all.flatMap((model, i) => (pool.has(model) ? [i] : [])) : all.map((_, i) => i);
        kept.sort((a, b) => (all[a]! < all[b]! ? -1 : all[a]! > all[b]! ? 1 : 0));
        const models = kept.map((i) => all[i]!);
        lists.set(row.models, (list = { kept, models, rank: new Map(models.map((model, r) => [model, r])), pairings: new Map() }));
      }
      const { kept } = list;
      if (kept.length === 0) continue;
      const performance = new Array<number>(kept.length);
      for (let r = 0; r < kept.length; r++) performance[r] = row.performance.readDoubleBE(8 * kept[r]!);
      const entry: Evaluations = { protocol: row.protocol, list, models: list.models, rank: list.rank, performance, layouts: new Map() };
      const key = row.study + ':' + row.dataset;
      const protocols = evaluations.get(key);
      if (protocols) protocols.push(entry);
      else evaluations.set(key, [entry]);
      entries.push({ study: row.study, dataset: row.dataset, entry, arrival: entries.length });
    }
    // Groups are ordered by study, dataset, metric, split, pool and protocol names in JavaScript's order.
    for (const list of evaluations.values()) list.sort((a, b) => cmp(a.protocol, b.protocol));
    const byName = (names: Iterable<string>) => new Map([...new Set(names)].sort(cmp).map((name, r) => [name, r]));
    const studyRank = byName([...dims.studies.values()].map((s) => s.name));
    const datasetRank = byName([...dims.datasets.values()].map((d) => d.name));

    // A (study, dataset)'s keys nearly always read the same as the previous one's: parsed and sorted once per text.
    const keyLists = new Map<string, KeyList>();
    const keyList = (text: string): KeyList => {
      let list = keyLists.get(text);
      if (!list) {
        const keys = text.split('\u001e').map((key) => {
          const [metric = '', split = '', pool = ''] = key.split('\u001f');
          return { metric, split, pool, info: dims.metrics.get(metric) ?? null };
        });
        const sorted = Int32Array.from(keys.keys()).sort((a, b) => cmp(keys[a]!.metric, keys[b]!.metric) || cmp(keys[a]!.split, keys[b]!.split) || cmp(keys[a]!.pool, keys[b]!.pool));
        keyLists.set(text, (list = { keys, sorted }));
      }
      return list;
    };
    const blocks: VectorBlock[] = [];
    const scored = new Set<string>();
    for (const row of scoreRows) {
      const protocols = evaluations.get(row.study + ':' + row.dataset);
      const study = dims.studies.get(row.study);
      const dataset = dims.datasets.get(row.dataset);
      if (!protocols || !study || !dataset) continue;
      const { keys, sorted } = keyList(row.keys);
      const lists = row.lists === null ? null : row.lists.split('\u001e');
      const values = hostFloat64(row.scores);
      // The pairing of each vector with each protocol's performances (null: no model in common).
      const layouts = new Array<Layout | null>(keys.length * protocols.length);
      // Where each vector's values start: its predecessors' model counts.
      const starts = new Int32Array(keys.length);
      const count = lists ? 0 : listLength(row.models);
      for (let j = 0, start = 0; j < keys.length; j++) {
        const models = lists ? lists[j]! : row.models;
        starts[j] = start;
        start += lists ? listLength(models) : count;
        protocols.forEach((evaluation, p) => {
          const layout = layoutOf(evaluation, models);
          layouts[j * protocols.length + p] = layout.order.length === 0 ? null : layout;
          if (layout.order.length > 0 && keys[j]!.info && keys[j]!.metric in BASELINES) scored.add(study.name + '\u001f' + dataset.name + '\u001f' + keys[j]!.metric + '\u001f' + evaluation.protocol);
        });
      }
      blocks.push({ study: study.name, dataset: dataset.name, rank: studyRank.get(study.name)! * datasetRank.size + datasetRank.get(dataset.name)!, keys, sorted, protocols, layouts, values, starts });
    }
    blocks.sort((a, b) => a.rank - b.rank);
    if (baselines.length === 0) return { blocks, baselines: [] };

    // Baselines: one group per (baseline, study, dataset, protocol) in the database's collation of study and dataset
    // names and protocols, models in its collation of ids, except where a study recorded the same baseline as a
    // score (compute scores the registry's `imagenet_top1` / `parameter_count` static baselines).
    const modelRank = new Map(modelRows.map((model, r) => [model.id, r]));
    const properties = new Map(modelRows.map((model) => [model.id, model]));
    entries.sort((a, b) => dims.studies.get(a.study)!.rank - dims.studies.get(b.study)!.rank || dims.datasets.get(a.dataset)!.rank - dims.datasets.get(b.dataset)!.rank || a.arrival - b.arrival);
    const baselineGroups: PairGroup[] = [];
    for (const id of baselines) {
      // Entries listing the same models share the baseline's models and values; only the performances differ.
      const byList = new Map<ModelList, { positions: number[]; models: string[]; scores: Float64Array }>();
      for (const { study: studyId, dataset: datasetId, entry } of entries) {
        const study = dims.studies.get(studyId)!.name;
        const dataset = dims.datasets.get(datasetId)!.name;
        if (scored.size > 0 && scored.has(study + '\u001f' + dataset + '\u001f' + id + '\u001f' + entry.protocol)) continue;
        const list = entry.list;
        let ranked = byList.get(list);
        if (!ranked) {
          const positions: number[] = [];
          const models: string[] = [];
          const values: number[] = [];
          for (const i of entry.models.map((_, i) => i).sort((a, b) => modelRank.get(entry.models[a]!)! - modelRank.get(entry.models[b]!)!)) {
            const model = properties.get(entry.models[i]!)!;
            const value = id === 'imagenet_top1' ? model.imagenetTop1 : model.parameterCount === null ? null : Number(model.parameterCount);
            if (value === null) continue;
            positions.push(i);
            models.push(model.id);
            values.push(value);
          }
          byList.set(list, (ranked = { positions, models, scores: new Float64Array(values) }));
        }
        const { positions, models, scores } = ranked;
        if (models.length > 0) {
          const performance = new Float64Array(positions.length);
          for (let k = 0; k < positions.length; k++) performance[k] = entry.performance[positions[k]!]!;
          baselineGroups.push({ study, dataset, metric: id, scoreSplit: '', pool: '', poolRelative: false, baseline: true, protocol: entry.protocol, models, scores, performance, performanceOrder: null });
        }
      }
    }
    return { blocks, baselines: baselineGroups };
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

/** Groups become units (rows) of `groupBy` STUDY or NONE; a unit keeps its groups (one (study, dataset) each) in arrival order. */
function groupIntoUnits(groups: PairGroup[], groupBy: CorrelationGrouping): Unit[] {
  const units = new Map<string, Unit>();
  for (const group of groups) {
    const study = groupBy === CorrelationGrouping.NONE ? '*' : group.study;
    const dataset = '*';
    // NUL cannot occur in Postgres text, so it separates the parts of a key unambiguously.
    const key = study + '\0' + dataset + '\0' + group.metric + '\0' + group.scoreSplit + '\0' + group.pool + '\0' + group.protocol + '\0' + String(group.baseline);
    let unit = units.get(key);
    if (!unit) {
      const { metric, scoreSplit, pool, poolRelative, baseline, protocol } = group;
      unit = { row: { study, dataset, metric, protocol, scoreSplit, pool, poolRelative, baseline }, byGroup: new Map(), group };
      units.set(key, unit);
    }
    unit.byGroup!.set(group.study + '\0' + group.dataset, { scores: group.scores, performance: group.performance });
  }
  return [...units.values()];
}

/**
 * One answer row, as one literal with every field (no spread): all rows share one object shape, which keeps building
 * them and the GraphQL execution over them fast (a spread row cost ~20 us on 44,000-row answers).
 */
function correlationRow(
  study: string, dataset: string, metric: string, method: CorrelationMethod, performance: string, protocol: string, scoreSplit: string, pool: string,
  poolRelative: boolean, baseline: boolean, statistic: StatisticValue, n: number, groups: number,
): Correlation {
  return {
    study, dataset, metric, method, performance, protocol, scoreSplit, pool, poolRelative, baseline,
    value: statistic.value, pValue: statistic.pValue, n, groups,
    ciLow: null, ciHigh: null, ciLevel: null, seed: null, rejectedResamples: null,
  };
}

const sharedLabels = new Map<number, string[]>();

/** n equal labels, one frozen array per n. */
function oneGroupLabels(n: number): string[] {
  let labels = sharedLabels.get(n);
  if (!labels) sharedLabels.set(n, (labels = Object.freeze(new Array<string>(n).fill('')) as string[]));
  return labels;
}

function toSample(unit: Pick<Unit, 'byGroup' | 'group'>): RowSample {
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

/**
 * The groups of a read in answer order (study, dataset, metric, split, pool, protocol by name), scores oriented so that
 * higher means "predicted to transfer better" when `orient`. `visit` gets one cursor, changed between calls.
 */
function visitGroups(read: VectorRead, orient: boolean, visit: (cursor: GroupCursor) => void): void {
  const cursor = new GroupCursor();
  for (const block of read.blocks) {
    const { keys, sorted, protocols, layouts, values, starts } = block;
    cursor.study = block.study;
    cursor.dataset = block.dataset;
    cursor.values = values;
    for (const j of sorted) {
      const key = keys[j]!;
      if (!key.info) continue;
      cursor.metric = key.metric;
      cursor.scoreSplit = key.split;
      cursor.pool = key.pool;
      cursor.poolRelative = key.info.poolRelative;
      cursor.sign = orient && key.info.direction === 'lower' ? -1 : 1;
      cursor.base = starts[j]!;
      for (let p = 0; p < protocols.length; p++) {
        const layout = layouts[j * protocols.length + p];
        if (!layout) continue;
        cursor.protocol = protocols[p]!.protocol;
        cursor.layout = layout;
        visit(cursor);
      }
    }
  }
}

/**
 * The pairing of the score vector listing `models` (joined by chr(31)) with `evaluation`: worked out once per list,
 * since the vectors of a (study, dataset) nearly always list the same models in the same order.
 */
function layoutOf(evaluation: Evaluations, models: string): Layout {
  let layout = evaluation.layouts.get(models);
  if (!layout) {
    // The pairing depends on the two model lists only: found once per pair of lists.
    let pairing = evaluation.list.pairings.get(models);
    if (!pairing) {
      const byRank = new Int32Array(evaluation.models.length).fill(-1);
      models.split('\u001f').forEach((model, i) => {
        const r = evaluation.rank.get(model);
        if (r !== undefined) byRank[r] = i;
      });
      // Plain loops: typed-array `from` with a mapping function cost ~10x as much here.
      let count = 0;
      for (let r = 0; r < byRank.length; r++) if (byRank[r]! >= 0) count++;
      const ranks = new Int32Array(count);
      const positions = new Int32Array(count);
      const paired = new Array<string>(count);
      for (let r = 0, k = 0; r < byRank.length; r++) {
        if (byRank[r]! < 0) continue;
        ranks[k] = r;
        positions[k] = byRank[r]!;
        paired[k++] = evaluation.models[r]!;
      }
      evaluation.list.pairings.set(models, (pairing = { ranks, order: positions, models: paired }));
    }
    const { ranks, order, models: paired } = pairing;
    const n = order.length;
    const performance = new Float64Array(n);
    for (let k = 0; k < n; k++) performance[k] = evaluation.performance[ranks[k]!]!;
    const performanceOrder = ascendingOrder(performance);
    let gather: Int32Array | null = null;
    if (performanceOrder) {
      gather = new Int32Array(n);
      for (let k = 0; k < n; k++) gather[k] = order[performanceOrder[k]!]!;
    }
    layout = { order, models: paired, performance, performanceOrder, gather };
    evaluation.layouts.set(models, layout);
  }
  return layout;
}

/** The number of model ids in a chr(31)-joined list. */
function listLength(models: string): number {
  let count = 1;
  for (let i = models.indexOf('\u001f'); i >= 0; i = models.indexOf('\u001f', i + 1)) count++;
  return count;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Big-endian float64 bytes (`float8send`) as numbers, in place where the buffer allows (it is ours). */
function hostFloat64(bytes: Buffer): Float64Array {
  if (bytes.length % 8 !== 0) throw new Error(`a score vector of ${bytes.length} bytes is not float64 values`);
  // Float64Array views need 8-byte alignment: copy into a buffer of its own otherwise.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(new Uint8Array(bytes).buffer);
  if (LITTLE_ENDIAN) aligned.swap64();
  return new Float64Array(aligned.buffer, aligned.byteOffset, aligned.length / 8);
}

/** The cache key: the same question asked with arrays in another order is the same question. */
function normalise(query: CorrelationQuery): unknown {
  const sorted = (values: string[] | null | undefined) => (values ? [...values].sort() : null);
  return [
    sorted(query.studies), sorted(query.datasets), sorted(query.metrics), sorted(query.variants), query.datasetRole ?? null, sorted(query.models),
    query.protocol ?? null, query.method, query.performance, query.groupBy ?? CorrelationGrouping.DATASET, query.bootstrap ?? null, query.includeBaselines !== false,
  ];
}
