import { Arg, Query, Resolver } from 'type-graphql';
import { CorrelationMethod } from './correlation-method.enum';
import { type CorrelationService } from './correlation.service';
import { Correlation } from './correlation.type';
import { CorrelationFilter } from './dtos/correlation-filter.input';

@Resolver(() => Correlation)
export class CorrelationResolver {
  constructor(private readonly correlationsService: CorrelationService) {}

  @Query(() => [Correlation], { description: 'Rank correlation of each score with a performance measure, per (study, dataset, metric).' })
  correlations(
    @Arg('filter', () => CorrelationFilter, { nullable: true }) filter: CorrelationFilter | null,
    @Arg('method', () => CorrelationMethod, { defaultValue: CorrelationMethod.KENDALL_TAU_B }) method: CorrelationMethod,
    @Arg('performance', () => String, { defaultValue: 'test_balanced_accuracy' }) performance: string,
  ): Promise<Correlation[]> {
    return this.correlationsService.correlations({ ...filter, method, performance });
  }
}
