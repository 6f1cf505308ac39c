import { Dataset, Metric, SourceModel } from '@transferscope/db';
import { type DataSource } from 'typeorm';
import { BrowseError } from './browse.error';
import { type EvaluationType, type PageInfo, type ScoreType, type TrialEpochType, type TrialType } from './browse.type';
import { ResultOrder, type ResultFilter } from './dtos/browse.input';

export interface Page<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

export interface PageRequest {
  filter?: ResultFilter | null;
  first: number;
  after?: string | null;
  order: ResultOrder;
}

/** Keyset pagination: the cursor is the sort key of the last row, so pages stay stable while rows are added. */
interface Cursor {
  id: number;
  value?: number;
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(text: string, byValue: boolean): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (Number.isInteger(parsed.id) && (!byValue || typeof parsed.value === 'number')) return parsed;
  } catch {
    // fall through to the error below
  }
  throw new BrowseError('BAD_CURSOR', `cursor "${text.slice(0, 40)}" is not one this list gave out (cursors of one order do not work with another)`);
}

/**
 * The keyset conditions and orders, by sort order. Fixed SQL text only: the values are bound as $5 ($6 for the id
 * when sorting by value).
 */
const ORDER_SQL: Record<ResultOrder, { where: string; orderBy: string }> = {
  [ResultOrder.ID_ASC]: { where: '($5::int IS NULL OR t.id > $5)', orderBy: 't.id ASC' },
  [ResultOrder.ID_DESC]: { where: '($5::int IS NULL OR t.id < $5)', orderBy: 't.id DESC' },
  [ResultOrder.VALUE_ASC]: { where: 't.value IS NOT NULL AND ($5::float8 IS NULL OR (t.value, t.id) > ($5::float8, $6::int))', orderBy: 't.value ASC, t.id ASC' },
  [ResultOrder.VALUE_DESC]: { where: 't.value IS NOT NULL AND ($5::float8 IS NULL OR (t.value, t.id) < ($5::float8, $6::int))', orderBy: 't.value DESC, t.id DESC' },
};

const byValue = (order: ResultOrder): boolean => order === ResultOrder.VALUE_ASC || order === ResultOrder.VALUE_DESC;

/** Read access to the results: definitions, scores, evaluations, trials and their epochs. */
export class BrowseService {
  constructor(private readonly dataSource: DataSource) {}

  datasets(): Promise<Dataset[]> {
    return this.dataSource.getRepository(Dataset).find({ order: { name: 'ASC' } });
  }

  models(): Promise<SourceModel[]> {
    return this.dataSource.getRepository(SourceModel).find({ order: { id: 'ASC' } });
  }

  metrics(): Promise<Metric[]> {
    return this.dataSource.getRepository(Metric).find({ order: { id: 'ASC' } });
  }

  scores(request: PageRequest): Promise<Page<ScoreType>> {
    return this.page<ScoreType & { id: number }>(
      'SELECT t.id, st.name AS study, d.name AS dataset, t.model_id AS model, t.metric_id AS metric, t.split, t.pool_id AS pool, t.status, t.value, t.reason, t.seconds ' +
        'FROM score t JOIN study st ON st.id = t.study_id JOIN dataset d ON d.id = t.dataset_id ' +
        'WHERE ($1::text[] IS NULL OR st.name = ANY($1)) AND ($2::text[] IS NULL OR d.name = ANY($2)) AND ($3::text[] IS NULL OR t.model_id = ANY($3)) AND ($4::text[] IS NULL OR t.metric_id = ANY($4))',
      request,
    );
  }

  evaluations(request: PageRequest): Promise<Page<EvaluationType>> {
    return this.page<EvaluationType>(
      'SELECT t.id, st.name AS study, d.name AS dataset, t.model_id AS model, t.split, t.protocol, t.measure, t.value, t.trial_id AS "trialId" ' +
        'FROM evaluation t JOIN study st ON st.id = t.study_id JOIN dataset d ON d.id = t.dataset_id ' +
        'WHERE ($1::text[] IS NULL OR st.name = ANY($1)) AND ($2::text[] IS NULL OR d.name = ANY($2)) AND ($3::text[] IS NULL OR t.model_id = ANY($3)) AND ($4::text[] IS NULL OR t.measure = ANY($4))',
      request,
    );
  }

  trials(request: PageRequest): Promise<Page<TrialType>> {
    if (byValue(request.order)) request = { ...request, order: request.order === ResultOrder.VALUE_ASC ? ResultOrder.ID_ASC : ResultOrder.ID_DESC };
    return this.page<TrialType>(
      'SELECT t.id, st.name AS study, d.name AS dataset, t.model_id AS model, t.protocol, t.halton_index AS "haltonIndex", t.seed, t.hyper_parameters AS "hyperParameters", ' +
        't.status, t.best_epoch AS "bestEpoch", t.val_loss AS "valLoss", t.val_balanced_accuracy AS "valBalancedAccuracy" ' +
        'FROM trial t JOIN study st ON st.id = t.study_id JOIN dataset d ON d.id = t.dataset_id ' +
        'WHERE ($1::text[] IS NULL OR st.name = ANY($1)) AND ($2::text[] IS NULL OR d.name = ANY($2)) AND ($3::text[] IS NULL OR t.model_id = ANY($3)) AND ($4::text[] IS NULL OR TRUE)',
      request,
    );
  }

  /** Epochs of many trials in one statement (the DataLoader batch function). */
  async epochsOfTrials(trialIds: readonly number[]): Promise<TrialEpochType[][]> {
    const rows: (TrialEpochType & { trialId: number })[] = await this.dataSource.query(
      'SELECT trial_id AS "trialId", epoch, learning_rate AS "learningRate", train_loss AS "trainLoss", val_loss AS "valLoss", ' +
        'train_balanced_accuracy AS "trainBalancedAccuracy", val_balanced_accuracy AS "valBalancedAccuracy" ' +
        'FROM trial_epoch WHERE trial_id = ANY($1::int[]) ORDER BY trial_id, epoch',
      [trialIds],
    );
    const byTrial = new Map<number, TrialEpochType[]>(trialIds.map((id) => [id, []]));
    for (const { trialId, ...epoch } of rows) byTrial.get(trialId)?.push(epoch);
    return trialIds.map((id) => byTrial.get(id)!);
  }

  private async page<T extends { id: number; value?: number | null }>(select: string, request: PageRequest): Promise<Page<T>> {
    const { filter, first, after, order } = request;
    const sorted = byValue(order);
    const cursor = after ? decodeCursor(after, sorted) : null;
    const { where, orderBy } = ORDER_SQL[order];
    const params: unknown[] = [filter?.studies ?? null, filter?.datasets ?? null, filter?.models ?? null, filter?.metrics ?? null];
    params.push(sorted ? (cursor?.value ?? null) : (cursor?.id ?? null));
    if (sorted) params.push(cursor?.id ?? null);
    params.push(first + 1);
    const limit = sorted ? ' LIMIT $7' : ' LIMIT $6';
    // Concatenating fixed fragments (never values): every value above is a bound parameter.
    const rows: T[] = await this.dataSource.query(select + ' AND ' + where + ' ORDER BY ' + orderBy + limit, params);
    const nodes = rows.slice(0, first);
    const last = nodes.at(-1);
    const endCursor = last ? encodeCursor(sorted ? { id: last.id, value: last.value! } : { id: last.id }) : null;
    return { nodes, pageInfo: { endCursor, hasNextPage: rows.length > first } };
  }
}
