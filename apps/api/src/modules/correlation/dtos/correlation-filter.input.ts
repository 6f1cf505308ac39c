import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { DatasetRoleFilter, TransferProtocolFilter } from '../correlation-options.enum';

/** Narrows a correlation query; an omitted field means "all". */
@InputType({ description: 'Which results to correlate; omitted fields mean all.' })
export class CorrelationFilter {
  @Field(() => [String], { nullable: true, description: 'Study names.' })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  studies?: string[];

  @Field(() => [String], { nullable: true, description: 'Dataset names.' })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  datasets?: string[];

  @Field(() => [String], { nullable: true, description: 'Metric ids, e.g. `logme`; the baselines are `imagenet_top1` and `parameter_count`.' })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  metrics?: string[];

  @Field(() => [String], { nullable: true, description: 'Metric variants (the registry\'s `variant`, e.g. `default`).' })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  variants?: string[];

  @Field(() => DatasetRoleFilter, { nullable: true, description: 'Only in-distribution or only out-of-distribution datasets.' })
  datasetRole?: DatasetRoleFilter;

  @Field(() => [String], { nullable: true, description: 'The model pool: only these source model ids are ranked.' })
  @ArrayMaxSize(10000)
  @MaxLength(256, { each: true })
  models?: string[];

  @Field(() => TransferProtocolFilter, { nullable: true, description: 'Only performances obtained with this protocol.' })
  protocol?: TransferProtocolFilter;
}
