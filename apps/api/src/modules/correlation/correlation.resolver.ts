import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { type ApiContext } from '../../server/context';
import { CorrelationMethod } from './correlation-method.enum';
import { CorrelationGrouping } from './correlation-options.enum';
import { type CorrelationService } from './correlation.service';
import { Correlation, CorrelationPair } from './correlation.type';
import { BootstrapInput } from './dtos/bootstrap.input';
import { CorrelationFilter } from './dtos/correlation-filter.input';

@Resolver(() => Correlation)
export class CorrelationResolver {
  constructor(private readonly correlationsService: CorrelationService) {}

  @Query(() => [Correlation], {
    description:
      'How well each score (and each baseline ranker) predicts a performance measure: one row per (study, dataset, metric) by default, ' +
      'with an optional bootstrap interval.',
  })
  correlations(
    @Ctx() context: ApiContext,
    @Arg('filter', () => CorrelationFilter, { nullable: true }) filter: CorrelationFilter | null,
    @Arg('method', () => CorrelationMethod, { defaultValue: CorrelationMethod.KENDALL_TAU_B }) method: CorrelationMethod,
    @Arg('performance', () => String, { defaultValue: 'test_balanced_accuracy' }) performance: string,
    @Arg('groupBy', () => CorrelationGrouping, { defaultValue: CorrelationGrouping.DATASET }) groupBy: CorrelationGrouping,
    @Arg('bootstrap', () => BootstrapInput, { nullable: true }) bootstrap: BootstrapInput | null,
    @Arg('includeBaselines', () => Boolean, { defaultValue: true, description: 'Add ImageNet top-1 and parameter count as baseline rankers where models have them.' })
    includeBaselines: boolean,
  ): Promise<Correlation[]> {
    // A bootstrap without a seed draws a fresh one: its answer must never be replayed.
    if (bootstrap && (bootstrap.seed === null || bootstrap.seed === undefined) && context.responseCache) context.responseCache.uncacheable = true;
    return this.correlationsService.correlations({ ...filter, method, performance, groupBy, bootstrap, includeBaselines }, context.deadline);
  }

  @Query(() => [CorrelationPair], { complexity: 100, description: 'The (score, performance) pair of every model behind `correlations` with the same filter: the points of its scatter plots.' })
  correlationPairs(
    @Arg('filter', () => CorrelationFilter, { nullable: true }) filter: CorrelationFilter | null,
    @Arg('performance', () => String, { defaultValue: 'test_balanced_accuracy' }) performance: string,
    @Arg('includeBaselines', () => Boolean, { defaultValue: true }) includeBaselines: boolean,
  ): Promise<CorrelationPair[]> {
    return this.correlationsService.pairs({ ...filter, performance, includeBaselines });
  }

  @Query(() => [String], { description: 'Every performance measure some evaluation has (e.g. `test_balanced_accuracy`).' })
  performanceMeasures(): Promise<string[]> {
    return this.correlationsService.measures();
  }
}
