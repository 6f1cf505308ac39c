import { type ComplexityEstimator } from 'graphql-query-complexity';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { type ApiContext } from '../../server/context';
import { DatasetType, MetricType } from '../study/study.type';
import { BrowseError } from './browse.error';
import { type BrowseService, type PageRequest } from './browse.service';
import { EvaluationConnection, ScoreConnection, SourceModelType, TrialConnection, TrialEpochType, TrialType } from './browse.type';
import { ResultFilter, ResultOrder } from './dtos/browse.input';

const MAX_PAGE = 500;

/** A page of `first` items costs `first` times what is asked of each item. */
const pageComplexity: ComplexityEstimator = ({ args, childComplexity }) => 1 + Number(args['first'] ?? 50) * childComplexity;

function pageRequest(filter: ResultFilter | null, first: number, after: string | null, order: ResultOrder): PageRequest {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new BrowseError('BAD_CURSOR', `first must be between 1 and ${MAX_PAGE}, got ${first}`);
  return { filter, first, after, order };
}

@Resolver(() => TrialType)
export class BrowseResolver {
  constructor(private readonly browse: BrowseService) {}

  @Query(() => [DatasetType], { description: 'Every dataset, by name, with its role and latest audit summary.' })
  datasets(): Promise<DatasetType[]> {
    return this.browse.datasets();
  }

  @Query(() => [SourceModelType], { description: 'Every source model, by id.' })
  models(): Promise<SourceModelType[]> {
    return this.browse.models();
  }

  @Query(() => [MetricType], { description: 'Every registered metric, by id.' })
  metrics(): Promise<MetricType[]> {
    return this.browse.metrics();
  }

  @Query(() => ScoreConnection, { complexity: pageComplexity, description: 'Scores, a page at a time.' })
  scores(
    @Arg('filter', () => ResultFilter, { nullable: true }) filter: ResultFilter | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('order', () => ResultOrder, { defaultValue: ResultOrder.ID_ASC }) order: ResultOrder,
  ): Promise<ScoreConnection> {
    return this.browse.scores(pageRequest(filter, first, after, order));
  }

  @Query(() => EvaluationConnection, { complexity: pageComplexity, description: 'Evaluations (filter `metrics` = measures), a page at a time.' })
  evaluations(
    @Arg('filter', () => ResultFilter, { nullable: true }) filter: ResultFilter | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('order', () => ResultOrder, { defaultValue: ResultOrder.ID_ASC }) order: ResultOrder,
  ): Promise<EvaluationConnection> {
    return this.browse.evaluations(pageRequest(filter, first, after, order));
  }

  @Query(() => TrialConnection, { complexity: pageComplexity, description: 'Trials (ordered by id), a page at a time; `epochs` are batched.' })
  trials(
    @Arg('filter', () => ResultFilter, { nullable: true }) filter: ResultFilter | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('order', () => ResultOrder, { defaultValue: ResultOrder.ID_ASC }) order: ResultOrder,
  ): Promise<TrialConnection> {
    return this.browse.trials(pageRequest(filter, first, after, order));
  }

  @FieldResolver(() => [TrialEpochType], { complexity: ({ childComplexity }) => 1 + 100 * childComplexity, description: 'The learning curve, by epoch.' })
  epochs(@Root() trial: TrialType, @Ctx() context: ApiContext): Promise<TrialEpochType[]> {
    return context.loaders.epochsOfTrial.load(trial.id);
  }
}
