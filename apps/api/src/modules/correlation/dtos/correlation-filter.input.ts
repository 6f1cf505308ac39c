import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';

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

  @Field(() => [String], { nullable: true, description: 'Metric ids, e.g. `logme`.' })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  metrics?: string[];
}
